"""The content API's docs page in a real browser (Chromium via Playwright): it renders offline."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_page_renders_offline_within_the_csp(live_server, browser, artifacts_dir):
    """Every request stays on this site, nothing breaks the CSP, the site's stylesheet applies,
    and the page fits a phone's width."""
    context = browser.new_context(viewport={"width": 390, "height": 900})
    page = context.new_page()
    elsewhere, problems = [], []

    def only_this_site(route):
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_site)
    page.on("console", lambda message: message.type in ("error", "warning") and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    try:
        response = page.goto(live_server.url + "/api/v1/docs/")
        assert response.status == 200
        assert page.get_by_role("heading", name="Newsroom content API").is_visible()
        assert page.get_by_role("heading", name="GET /api/v1/articles/", exact=True).is_visible()
        assert page.locator("#article_list table caption", has_text="Parameters").is_visible()
        # The site's own stylesheet reached the page (it sets the tables' borders).
        assert page.eval_on_selector(".api-docs table", "t => getComputedStyle(t).borderCollapse") == "collapse"
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(artifacts_dir / "api-docs-390.png"), full_page=True)
    finally:
        context.close()
    assert elsewhere == [] and problems == []
