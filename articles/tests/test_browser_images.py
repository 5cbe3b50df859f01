"""Images that never look broken: with every remote image failing (all requests off this machine
aborted), each image box shows its designed placeholder, not a broken-image icon or alt text,
and nothing moves when the images fail."""

import io
from datetime import timedelta

import pytest
from PIL import Image as PILImage

from articles import image_jobs
from articles.models import Image

from .factories import make_article, make_provider
from .image_server import picture, server  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CORNER = 24  # the broken-image icon (16 px) and the alt text start at an image box's top-left corner


def build():
    pulse = make_provider("Pulse Health Weekly", "pulse.example")
    journal = make_provider("Le Journal Numérique", "journal-numerique.example")
    lead = make_article("Hospitals adopt AI triage", provider=pulse, topics=["Health"], heat=90,
                        age=timedelta(hours=2), excerpt="A pilot in three wards.",
                        images=[("https://media.pulse.example/triage.jpg", 1280, 720)])
    for i in range(6):
        make_article(f"Story with a remote image {i}", provider=journal if i % 2 else pulse, topics=["Health"],
                     age=timedelta(hours=3 + i), images=[(f"https://cdn.example/{i}.jpg", 1600, 900)])
    show = make_article("A slideshow whose pictures are gone", provider=journal, item_type="slideshow",
                        images=[(f"https://cdn.example/slide-{i}.jpg", 1200, 800) for i in range(6)])
    lead.images.update(title="Nurses at the triage desk")
    return lead, show


def failed_images_are_covered(page):
    """Every image that failed shows a solid placeholder corner; returns how many failed."""
    page.wait_for_load_state("networkidle")
    images = page.locator("img")
    failed = 0
    for i in range(images.count()):
        image = images.nth(i)
        image.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete", arg=image.element_handle())
        if image.evaluate("img => img.naturalWidth") != 0 or not image.is_visible():
            continue
        failed += 1
        box = image.bounding_box()
        assert box["width"] > 40 and box["height"] > 40, "a failed image keeps its box"
        after = image.evaluate("img => getComputedStyle(img, '::after').content")
        assert after not in ("none", "normal", ""), "the placeholder covers the failed image"
        shot = PILImage.open(io.BytesIO(image.screenshot())).convert("RGB")
        corner = shot.crop((10, 10, 10 + CORNER, 10 + CORNER))  # inside any rounded corner
        colours = {pixel for pixel in corner.getdata()}
        assert len(colours) == 1, f"image {i}: the top-left corner is not plain placeholder ({len(colours)} colours)"
    return failed


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_broken_image_icon_when_every_remote_image_fails(live_server, browser, artifacts_dir, scheme):
    lead, show = build()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(live_server.url)
                  else route.abort())
    page = context.new_page()
    try:
        for name, url in (("home", "/"), ("topic", "/topics/health/"), ("article", lead.get_absolute_url()),
                          ("slideshow", show.get_absolute_url())):
            for width in (390, 1280):
                page.set_viewport_size({"width": width, "height": 900})
                page.goto(live_server.url + url)
                assert failed_images_are_covered(page) > 0, f"{name}: the remote images should have failed"
                if name == "home" and width == 1280:
                    lead_box = page.locator(".card--large img").bounding_box()
                    # The lead keeps its 16:9 box whether its image loads or not: no strip, no shift.
                    assert abs(lead_box["height"] / lead_box["width"] - 9 / 16) < 0.02
                assert page.evaluate("document.documentElement.scrollWidth") <= width
                page.screenshot(path=str(artifacts_dir / f"broken-images-{name}-{scheme}-{width}.png"), full_page=True)
    finally:
        context.close()


def test_cards_and_the_article_load_renditions_fetched_from_a_local_server(
    live_server, browser, artifacts_dir, server, settings, tmp_path  # noqa: F811
):
    """Feed images fetched by the job (from 127.0.0.1, through the tests' allowance) are what the
    browser shows: each card and the article image load a WebP rendition from /media/ sized for
    their box, while the publishers' addresses (src) are never reached."""
    settings.NEWSROOM_FETCH_IMAGES = True
    settings.NEWSROOM_FETCH_ALLOW_HOSTS = frozenset({"127.0.0.1"})
    settings.MEDIA_ROOT = tmp_path
    tones = [(30, 90, 200), (200, 60, 30), (40, 160, 90), (180, 140, 20), (120, 50, 160)]
    articles = [
        make_article(f"Story {i} with a fetched image", topics=["Health"], heat=90 - i, age=timedelta(hours=2 + i),
                     images=[(server.serve(f"/{i}.jpg", picture(1600, 900, color=tones[i])), 1600, 900)])
        for i in range(5)
    ]
    assert image_jobs.fetch_images().fetched == 5
    # The remote addresses become ones the browser cannot reach: only the renditions can load.
    Image.objects.update(url="https://gone.example/x.jpg", fetch_url="https://gone.example/x.jpg")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    media = settings.MEDIA_URL

    def route(request_route):
        url = request_route.request.url
        if url.startswith(f"{live_server.url}/{media}"):  # live_server serves no media: the web server's job
            name = url.split(f"/{media}", 1)[1]
            request_route.fulfill(path=str(tmp_path / name), content_type="image/webp")
        elif url.startswith(live_server.url):
            request_route.continue_()
        else:
            request_route.abort()

    context.route("**/*", route)
    page = context.new_page()
    try:
        # The narrowest rendition covering each box at 1x: the lead (620 px) and phone cards (100vw)
        # need 640, a desktop card (180 px) 320. A browser may take a wider one it has cached.
        for width, large_needs, card_needs in ((1280, 640, 320), (390, 640, 640)):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(live_server.url + "/")
            page.wait_for_load_state("networkidle")
            images = page.locator(".card__media img")
            assert images.count() >= 5
            for i in range(images.count()):
                image = images.nth(i)
                image.scroll_into_view_if_needed()
                page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
                current = image.evaluate("img => img.currentSrc")
                assert "/media/renditions/" in current and current.endswith(".webp"), current
                needs = large_needs if image.evaluate("img => !!img.closest('.card--large')") else card_needs
                assert int(current.rsplit("-", 1)[1].removesuffix(".webp")) >= needs, (width, i, current)
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(artifacts_dir / f"renditions-home-{width}.png"), full_page=False)
        page.goto(live_server.url + articles[0].get_absolute_url())
        page.wait_for_load_state("networkidle")
        article_image = page.locator(".story__image img")
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=article_image.element_handle())
        assert "/media/renditions/" in article_image.evaluate("img => img.currentSrc")
    finally:
        context.close()
