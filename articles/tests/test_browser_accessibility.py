"""axe-core on every readers' page type, light and dark, at phone and desktop widths: no violation."""

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe

from .factories import make_article, make_provider, make_related

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def build(base_url):
    image = base_url + "/static/img/favicon.svg"
    pulse = make_provider("Pulse Health Weekly", "pulse.example")
    other = make_provider("Le Journal Numérique", "journal-numerique.example")
    lead = make_article("R&amp;D budgets &lt;remain tight&gt; as hospitals adopt AI triage", provider=pulse,
                        topics=["Health", "AI"], heat=50, age=timedelta(hours=5), excerpt="Budgets are flat.",
                        images=[(image, 1200, 630)], body="A **body**.", extra={"language": "en"})
    second = make_article("Vignerons : des drones contre le mildiou", provider=other, topics=["AI"],
                          age=timedelta(days=2), extra={"language": "fr"}, images=[("https://gone.example/x.jpg", 800, 450)])
    make_related(lead, web_url=second.identity_url, title=second.title, provider=other)
    for i in range(6):
        make_article(f"Health briefing {i}", provider=pulse, topics=["Health"], age=timedelta(days=10 * i + 1))
    return lead


def test_every_page_type_has_no_axe_violation(live_server, browser):
    lead = build(live_server.url)
    year = lead.published_at.year
    pages = ["/", "/topics/", "/topics/health/", f"/topics/health/{year}/", "/providers/",
             "/providers/pulse.example/", lead.get_absolute_url(), "/search/?q=health", "/feeds/?topic=health",
             "/no-such-page/"]
    axe = Axe()
    problems = []
    for scheme in ("light", "dark"):
        context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
        context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(live_server.url)
                      else route.abort())
        page = context.new_page()
        try:
            for width in (390, 1280):
                page.set_viewport_size({"width": width, "height": 900})
                for url in pages:
                    page.goto(live_server.url + url)
                    results = axe.run(page)
                    if results.violations_count:
                        problems.append(f"{url} ({scheme}, {width}px):\n{results.generate_report()}")
            # The checker is awake: a nameless image is a violation it reports.
            page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"/x.png\">')")
            assert axe.run(page).violations_count > 0
        finally:
            context.close()
    assert not problems, "\n".join(problems)
