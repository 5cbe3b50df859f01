"""Article bodies are rendered once, within a time and size budget, into HTML readers can trust."""

import re
import threading
import time

import markdown
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.rendering import MARKDOWN_EXTENSIONS, RENDER_SECONDS, _NOT_PROSE, render_body, sanitise

# The budget plus the time an interrupted render needs to unwind on a busy machine.
WITHIN_BUDGET = RENDER_SECONDS + 0.5

# A tag's attribute that runs script, a javascript:/data:/vbscript: address, or a script element.
UNSAFE = re.compile(
    r"<\s*(script|style|iframe|object|embed|svg|math)\b|\son[a-z]+\s*=|(href|src)\s*=\s*[\"']?\s*(javascript|data|vbscript):",
    re.IGNORECASE,
)


def timed_render(text):
    started = time.monotonic()
    rendered = render_body(text)
    return rendered, time.monotonic() - started


def assert_safe(html):
    # Only markup can run: escaped text such as "&lt;img onerror=…&gt;" is what a reader reads.
    tags = re.findall(r"<[^<>]*>?", html)
    assert not any(UNSAFE.search(tag) for tag in tags), html[:500]


def test_markdown_is_rendered_and_sanitised():
    """Markdown becomes markup; scripts, handlers and javascript: links do not survive."""
    rendered = render_body(
        "# Heading\n\nSome **bold** and a [link](https://example.org/x).\n\n"
        "<script>alert(1)</script>\n\n[bad](javascript:alert(1)) <img src=x onerror=alert(1)>\n"
    )
    assert not rendered.fell_back
    assert "<h2>Heading</h2>" in rendered.html  # the page's h1 is the headline
    assert "<strong>bold</strong>" in rendered.html
    assert 'href="https://example.org/x"' in rendered.html
    assert "<script" not in rendered.html and "javascript:" not in rendered.html and "onerror" not in rendered.html


def test_a_run_of_brackets_is_cut_off_at_the_budget_and_shown_as_text():
    """12 KB of "[" once took 30 s per request; now it takes the budget once and reads as text."""
    rendered, elapsed = timed_render("[" * 12_000)
    assert elapsed < WITHIN_BUDGET
    assert rendered.fell_back and "budget" in rendered.problem
    assert rendered.html.startswith("<p>[[[")


def test_deeply_nested_markdown_divs_fall_back_instead_of_failing():
    """500 nested <div markdown="1"> was a RecursionError (a 500); now it is escaped text."""
    rendered, elapsed = timed_render('<div markdown="1">\n' * 500 + "x\n" + "</div>\n" * 500)
    assert elapsed < WITHIN_BUDGET
    assert rendered.fell_back and "nested" in rendered.problem
    assert "&lt;div markdown=" in rendered.html
    assert "<div" not in rendered.html


@pytest.mark.parametrize("body", [
    "[a][" * 4000, "[](" * 4000, "![" * 8000, "<a " * 8000,
    "".join(f"[^{i}] " for i in range(5000)) + "".join(f"\n[^{i}]: x" for i in range(5000)),
    "".join(f"*[A{i}]: b\n" for i in range(2000)) + " ".join(f"A{i}" for i in range(2000)),
], ids=["[a][ x4000", "[]( x4000", "![ x8000", "<a x8000", "5000 footnotes", "2000 abbreviations"])
def test_each_costly_body_of_the_attacks_renders_within_the_budget_to_safe_html(body):
    """The other bodies docs/reliability.md lists (1.5-12 s per request before): the budget once, safe HTML."""
    rendered, elapsed = timed_render(body)
    assert elapsed < WITHIN_BUDGET
    assert_safe(rendered.html)
    assert not rendered.fell_back or "budget" in rendered.problem or "far more HTML" in rendered.problem


def test_an_over_long_body_is_shown_as_text_without_rendering():
    rendered, elapsed = timed_render("*a* " * 60_000)
    assert elapsed < 0.5
    assert rendered.fell_back and "240,000 characters" in rendered.problem
    assert "<em>" not in rendered.html and "*a*" in rendered.html


def test_the_fallback_escapes_markup_and_keeps_paragraphs():
    rendered = render_body("[" * 12_000 + "\n<script>alert(1)</script>\n\nsecond & last")
    assert "&lt;script&gt;" in rendered.html and "<script" not in rendered.html
    assert rendered.html.endswith("<p>second &amp; last</p>")


def test_the_budget_interrupts_a_render_outside_the_main_thread():
    """A threaded server or task worker gets the same budget, and no stray exception afterwards."""
    results = {}

    def work():
        results["slow"] = timed_render("[a][" * 4000)
        results["quick"] = render_body("*fine*")
        time.sleep(RENDER_SECONDS + 0.2)  # a late alarm must not land here
        results["after"] = "survived"

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(10)
    rendered, elapsed = results["slow"]
    assert rendered.fell_back and elapsed < WITHIN_BUDGET
    assert results["quick"].html == "<p><em>fine</em></p>"
    assert results["after"] == "survived"


prose = st.text(
    alphabet=st.sampled_from(list("abcXYZ éü東 .,;:'\"?()%$/!-019\n")), max_size=200
).filter(lambda text: not _NOT_PROSE.search(text))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(prose)
def test_prose_taken_without_markdown_is_what_markdown_makes_of_it(text):
    expected = sanitise(markdown.markdown(text, extensions=MARKDOWN_EXTENSIONS, output_format="html")) if text.strip() else ""
    assert render_body(text).html == expected


# -- hostile bodies ------------------------------------------------------------------------

def repeated(piece, low=50, high=6000):
    return st.integers(low, high).map(lambda n: piece * n)


ATOMS = st.sampled_from([
    "[", "]", "![", "](", "[a][", "[]", "*", "**", "_", "__", "`", "```", "~~~", "<", ">", "&", "&#", "&#x",
    "&amp;", "&lt;", "<!--", "-->", "<div markdown=\"1\">", "</div>", "<span>", "\\", "|", "- ", "1. ", "> ",
    "    ", "\t", "\n", "\n\n", "#", "=", "---", ":", "[^1]", "*[A]: b", "{: #x}", "<a href='javascript:alert(1)'>",
    "<img src=x onerror=alert(1)>", "<script>alert(1)</script>", "javascript:alert(1)", "[x](javascript:alert(1))",
    "<svg onload=alert(1)>", "<iframe src=//evil.example>", "\u202e", "\u200b", "\ufeff", "東京", "🤖",
])

hostile_bodies = st.one_of(
    st.lists(ATOMS, max_size=400).map("".join),
    st.tuples(ATOMS, st.integers(100, 12_000)).map(lambda pair: pair[0] * pair[1]),
    repeated("[", 1000, 12_000),
    repeated("*a", 1000, 8000),
    repeated("<div markdown=\"1\">\n", 50, 800),
    st.integers(50, 2000).map(lambda n: "".join("  " * i + "- item\n" for i in range(n))),
    st.integers(50, 3000).map(lambda n: ">" * n + " quote"),
    st.integers(1000, 150_000).map(lambda n: f"[long](https://example.org/{'a' * n})"),
    st.integers(100, 5000).map(lambda n: "".join(f"[^{i}] " for i in range(n)) + "".join(f"\n[^{i}]: x" for i in range(n))),
    st.integers(100, 20_000).map(lambda n: "&#" * n + "<!--" * (n // 4)),
    st.text(max_size=3000),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(hostile_bodies)
def test_every_hostile_body_renders_within_budget_to_safe_html(text):
    rendered, elapsed = timed_render(text)
    assert elapsed < WITHIN_BUDGET, (elapsed, text[:200])
    assert_safe(rendered.html)
    if rendered.fell_back:
        assert rendered.html  # readable text instead


# -- where bodies are rendered: the import, the admin; never a request ----------------------

import pytest  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.urls import reverse  # noqa: E402

from articles.importer import import_paths  # noqa: E402
from articles.models import Article  # noqa: E402

from .admin_client import change_form_data  # noqa: E402
from .importing import front_matter, write  # noqa: E402


def refuse_markdown(monkeypatch):
    """Any Markdown render from here on fails the test."""
    def refuse(self, source):
        raise AssertionError("Markdown rendered during a request")

    monkeypatch.setattr(markdown.Markdown, "convert", refuse)


@pytest.mark.django_db
def test_import_stores_rendered_bodies_and_reports_the_one_over_budget(tmp_path, client, monkeypatch):
    """The import renders each body once; a body over budget is stored as text and named in the report."""
    good = write(tmp_path, "good.md", front_matter("Some **bold** text.\n\n<script>alert(1)</script>\n"))
    hostile = write(tmp_path, "hostile.md", front_matter("[" * 12_000, webUrl="https://orbit.example/brackets"))
    started = time.monotonic()
    report = import_paths([good, hostile], workers=1)
    assert time.monotonic() - started < 5
    assert report.created == 2 and report.ok
    warnings = [w for w in report.warnings if "body" in w]
    assert len(warnings) == 1 and warnings[0].startswith(f"{hostile}: body: rendering took over")

    good_article = Article.objects.get(source_path=str(good))
    assert "<strong>bold</strong>" in good_article.body_html and "<script" not in good_article.body_html
    bad_article = Article.objects.get(source_path=str(hostile))
    assert bad_article.body_html.startswith("<p>[[[")

    refuse_markdown(monkeypatch)  # pages must not render Markdown
    cache.clear()
    for article in (good_article, bad_article):
        started = time.monotonic()
        response = client.get(article.get_absolute_url())
        assert response.status_code == 200
        assert time.monotonic() - started < 2
    html = client.get(good_article.get_absolute_url()).content.decode()
    assert "<strong>bold</strong>" in html and "alert(1)" not in html


@pytest.mark.django_db
def test_an_article_without_stored_html_shows_its_body_as_text_without_rendering(client, monkeypatch):
    from .factories import make_article

    article = make_article(body="Plain **words**")
    Article.objects.filter(pk=article.pk).update(body_html=None)  # as a raw write would leave it
    refuse_markdown(monkeypatch)
    html = client.get(article.get_absolute_url()).content.decode()
    assert "<p>Plain **words**</p>" in html and "<strong>words" not in html


@pytest.mark.django_db
def test_admin_edit_renders_the_body_and_warns_when_it_is_over_budget(admin_client):
    from .admin_factories import article as make_admin_article

    obj = make_admin_article("A story")
    url = reverse("admin:articles_article_change", args=[obj.pk])
    data = change_form_data(admin_client.get(url))
    data["body"] = "Now with *emphasis*."
    assert admin_client.post(url, data).status_code == 302
    obj.refresh_from_db()
    assert obj.body_html == "<p>Now with <em>emphasis</em>.</p>"

    data["body"] = "[" * 12_000
    response = admin_client.post(url, data, follow=True)
    obj.refresh_from_db()
    assert obj.body_html.startswith("<p>[[[")
    assert "readers see it as plain text" in response.content.decode()
