"""A reader's journey through the site in a real browser (Chromium via Playwright).

Screenshots at phone (390 px) and desktop (1280 px) widths go to test-artifacts/.
"""

from datetime import timedelta

import pytest

from articles.models import Article, Story
from articles.views import PAGE_SIZE

from .factories import make_article, make_provider, make_related

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

def build_site(base_url):
    image = base_url + "/static/img/favicon.svg"  # served by the live server: no network needed
    mashable = make_provider("Mashable", "mashable.com")
    tnw = make_provider("The Next Web", "thenextweb.com")
    lead = make_article(
        "IBM will no longer offer facial recognition software to law enforcement",
        excerpt="IBM CEO Arvind Krishna outlined how the company intends to address racial injustice.",
        provider=mashable, topics=["Computer Vision", "AI"], heat=129, quality=89,
        web_url="https://mashable.com/article/ibm-facial-recognition", is_featured=True,
        age=timedelta(minutes=10), images=[(image, 1200, 630)], body="IBM's letter to Congress, **in full**, is linked below.",
    )
    other = make_article(
        "IBM won’t develop facial recognition tech for mass surveillance anymore",
        excerpt="IBM said it won’t offer general-purpose facial recognition technology.",
        provider=tnw, topics=["AI"], heat=80, web_url="https://thenextweb.com/ibm", age=timedelta(minutes=20),
    )
    make_related(lead, web_url=other.web_url, title=other.title, provider=tnw)
    make_related(lead, web_url="https://www.kitv.example/ibm", title="IBM is canceling its facial recognition programs",
                 provider=make_provider("KITV", "kitv.example"))
    # One story, as cluster_stories makes it from the related link and the titles.
    Article.objects.filter(pk__in=[lead.pk, other.pk]).update(story=Story.objects.create())
    for i in range(PAGE_SIZE + 5):
        make_article(
            f"Machine learning briefing number {i + 1}: what changed this week in AI research",
            excerpt="Models, chips and the people building them — a short round-up.",
            provider=make_provider(f"Outlet {i % 4}", f"outlet{i % 4}.example"), topics=["AI", f"Topic {i % 3}"],
            heat=i, quality=100 - i, age=timedelta(hours=i + 1), images=[(image, 1600, 900)] if i % 2 else [],
        )
    return lead, other


def shoot(page, artifacts_dir, name):
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(artifacts_dir / f"{name}-{width}.png"), full_page=True)


def test_a_reader_follows_a_topic_to_an_article_and_its_coverage(live_server, browser, artifacts_dir):
    lead, other = build_site(live_server.url)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(live_server.url + "/")
        assert page.locator("h2", has_text="Top stories").is_visible()
        shoot(page, artifacts_dir, "home")

        page.get_by_role("link", name="AI", exact=True).first.click()
        page.wait_for_url("**/topics/ai/")
        assert page.locator("h1").inner_text() == "AI"
        # One story, one entry: The Next Web's article is folded into Mashable's.
        assert page.get_by_text("Also covered by").count() == 1
        assert page.get_by_text("2 outlets").count() == 1
        shoot(page, artifacts_dir, "topic")

        page.get_by_role("link", name="Trending").click()
        page.wait_for_url("**sort=trending")
        first_title = page.locator(".card__title").first.inner_text()
        assert first_title.startswith("IBM will no longer")

        page.get_by_role("link", name="Next →").click()
        page.wait_for_url("**page=2**")
        assert "Page 2 of 2" in page.locator(".pagination__status").inner_text()
        assert "sort=trending" in page.url

        page.goto(live_server.url + "/topics/ai/")
        page.get_by_role("link", name=lead.title).click()
        page.wait_for_url(f"**{lead.get_absolute_url()}")
        assert page.locator("h1").inner_text() == lead.title
        assert page.get_by_role("link", name="Read at Mashable").get_attribute("rel") == "noopener noreferrer"
        assert "Coverage from 2 outlets" in page.locator("#coverage-heading").text_content()
        shoot(page, artifacts_dir, "article")

        page.get_by_role("link", name=other.title).click()
        page.wait_for_url(f"**{other.get_absolute_url()}")
        assert page.locator("h1").inner_text() == other.title

        page.get_by_label("Search articles").first.fill("facial recognition")
        page.get_by_label("Search articles").first.press("Enter")
        page.wait_for_url("**/search/?q=facial+recognition")
        assert page.locator(".result__title").count() == 2
        assert page.locator(".result__title mark").first.inner_text().lower() == "facial"
        shoot(page, artifacts_dir, "search")

        page.goto(live_server.url + "/topics/")
        shoot(page, artifacts_dir, "topics")
        page.goto(live_server.url + "/no-such-page/")
        shoot(page, artifacts_dir, "not-found")
    finally:
        context.close()


def test_dark_mode_and_keyboard_focus(live_server, browser, artifacts_dir):
    build_site(live_server.url)
    context = browser.new_context(viewport={"width": 390, "height": 800}, color_scheme="dark")
    page = context.new_page()
    try:
        page.goto(live_server.url + "/topics/ai/")
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(18, 19, 22)"
        page.keyboard.press("Tab")
        skip = page.get_by_role("link", name="Skip to content")
        assert skip.evaluate("el => el === document.activeElement")
        assert skip.is_visible()
        # Nothing overflows a phone's width.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(artifacts_dir / "topic-dark-390.png"), full_page=True)
    finally:
        context.close()
