"""The pages a news site has, in a real browser at phone and desktop widths (screenshots to
test-artifacts/): the outlets index, a topic's date archive, the article's breadcrumb and
"more from this topic", the feed page, and the front page's fresh-first ranking."""

from datetime import timedelta

import pytest

from .factories import make_article, make_provider

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shoot(page, artifacts_dir, name):
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{name} overflows at {width} px"
        page.screenshot(path=str(artifacts_dir / f"{name}-{width}.png"), full_page=True)


def build(base_url):
    image = base_url + "/static/img/favicon.svg"
    pulse = make_provider("Pulse Health Weekly", "pulse.example")
    journal = make_provider("Le Journal Numérique", "journal-numerique.example")
    make_article("COVID wave overwhelms hospitals, six years on", heat=295, age=timedelta(days=6 * 365),
                 provider=pulse, topics=["Health"], excerpt="An old, very hot story.")
    fresh = make_article("R&amp;D budgets &lt;remain tight&gt; as hospitals adopt AI triage", heat=50,
                         age=timedelta(days=1), provider=pulse, topics=["Health", "AI"],
                         excerpt="Hospitals&#8217; R&amp;D teams say budgets are flat.", images=[(image, 1200, 630)])
    make_article("Vignerons de Bourgogne : des drones à caméra pour repérer le mildiou", heat=165,
                 age=timedelta(days=3), provider=journal, topics=["AI", "Agriculture"], extra={"language": "fr"})
    for i in range(8):
        make_article(f"Health briefing {i + 1}: what changed this month", provider=pulse, topics=["Health"],
                     age=timedelta(days=30 * i + 3), heat=i)
    return fresh


def test_reader_pages_at_phone_and_desktop_widths(live_server, browser, artifacts_dir):
    fresh = build(live_server.url)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(live_server.url + "/")
        lead = page.locator(".top-stories__lead .card__title").inner_text()
        assert lead == "R&D budgets <remain tight> as hospitals adopt AI triage"
        assert page.locator(".top-stories").get_by_text("six years on").count() == 0
        shoot(page, artifacts_dir, "home-fresh")

        page.get_by_role("link", name="Outlets", exact=True).first.click()
        page.wait_for_url("**/providers/")
        assert page.locator(".site-nav [aria-current]").inner_text() == "Outlets"
        shoot(page, artifacts_dir, "providers")

        page.goto(live_server.url + fresh.get_absolute_url())
        assert page.locator(".breadcrumb").get_by_role("link", name="Health").is_visible()
        assert page.locator(".more-from .card__title").count() == 4
        shoot(page, artifacts_dir, "article-breadcrumb")

        page.goto(live_server.url + "/topics/health/")
        assert page.locator(".site-nav [aria-current]").inner_text() == "Topics"
        year = str(fresh.published_at.year)
        page.locator(".archive-list").get_by_role("link", name=year, exact=True).click()
        page.wait_for_url(f"**/topics/health/{year}/")
        assert page.locator("h1").inner_text() == f"Health: {year}"
        page.locator(".archive-list a").first.click()
        page.wait_for_url(f"**/topics/health/{year}/*/")
        shoot(page, artifacts_dir, "topic-archive")

        page.goto(live_server.url + "/topics/health/")
        page.get_by_role("link", name="Follow (RSS/Atom)").click()
        page.wait_for_url("**/feeds/?topic=health")
        assert page.locator("h1").inner_text() == "Feeds"
        assert "/topics/health/feed/" in page.locator("code").first.inner_text()
        shoot(page, artifacts_dir, "feeds")
    finally:
        context.close()


def test_staff_preview_of_a_scheduled_article(live_server, browser, artifacts_dir, django_user_model):
    from django.test import Client
    from django.utils import timezone

    scheduled = make_article("Budget embargo lifts on Friday", published_at=timezone.now() + timedelta(days=3),
                             excerpt="Scheduled: staff see when it goes out.", topics=["Budget"])
    admin = django_user_model.objects.create_superuser("editor", "editor@example.com", "pw")
    client = Client()
    client.force_login(admin)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    host = live_server.url.split("//", 1)[1].split(":")[0]
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "domain": host, "path": "/"}])
    page = context.new_page()
    try:
        page.goto(live_server.url + scheduled.get_absolute_url())
        assert page.locator(".preview-banner").inner_text().startswith("Scheduled for")
        assert page.get_by_role("link", name="Edit this article in the admin").is_visible()
        shoot(page, artifacts_dir, "article-scheduled-staff")
    finally:
        context.close()


def test_a_slideshow_shows_its_six_images(live_server, browser, artifacts_dir):
    image = live_server.url + "/static/img/favicon.svg"
    show = make_article("Six views of the new harbour bridge", item_type="slideshow",
                        images=[(f"{image}?n={i}", 1200, 800) for i in range(6)], excerpt="A slideshow.")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(live_server.url + show.get_absolute_url())
        assert page.locator(".gallery img").count() == 6
        shoot(page, artifacts_dir, "article-slideshow")
    finally:
        context.close()
