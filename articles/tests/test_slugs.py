"""Every stored name has an address: fallback and Unicode slugs, invisible characters, odd paths."""

import importlib
from types import SimpleNamespace

from urllib.parse import quote, unquote

import pytest
from django.apps import apps as django_apps
from django.core.cache import cache
from django.db import connection
from django.urls import resolve, reverse
from taggit.models import Tag

from articles.importer import import_paths
from articles.models import Article, Provider
from articles.slugs import provider_slug, topic_slug

from .importing import front_matter, write

# -- the rule ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["🤖", "!!!", " ", "___", "\u202e", "💥🔥"])
def test_a_name_with_nothing_to_slugify_gets_a_stable_fallback(name):
    slug = topic_slug(name)
    assert slug.startswith("topic-") and len(slug) == len("topic-") + 8
    assert topic_slug(name) == slug  # the same every time
    assert topic_slug(name, 2) == f"{slug}_2"


def test_fallbacks_of_different_names_differ():
    assert len({topic_slug(n) for n in ["🤖", "!!!", "💥", "🤖🤖"]}) == 4


def test_unicode_names_keep_readable_slugs_without_invisible_characters():
    assert topic_slug("機械学習") == "機械学習"
    assert topic_slug("Zürich Café") == "zürich-café"
    assert topic_slug("AI\u200b") == "ai"
    assert topic_slug("evil\u202eelpmaxe") == "evilelpmaxe"
    assert topic_slug("\u2066AI\u2069") == "ai"


def test_taggit_uses_the_same_rule():
    """Every door a topic comes in by (import, admin, taggit's add()) slugifies through taggit's Tag.slugify."""
    assert Tag().slugify("🤖") == topic_slug("🤖")
    assert Tag().slugify("機械学習", 3) == "機械学習_3"


def test_provider_slugs_fall_back_too():
    assert provider_slug("news.example") == "newsexample"
    assert provider_slug("١٢٣.٤").startswith("provider-")
    assert provider_slug("١٢٣.٤") != provider_slug("٤.٣٢١")


@pytest.mark.parametrize("slug", ["機械学習", "zürich-café", "topic-1a2b3c4d", "ai_2"])
def test_topic_urls_reverse_and_resolve_for_unicode_and_fallback_slugs(slug):
    url = reverse("articles:topic-detail", kwargs={"slug": slug})
    assert url == f"/topics/{quote(slug)}/"
    assert resolve(unquote(url)).kwargs == {"slug": slug}  # the server decodes the path first
    feed = reverse("articles:topic-feed", kwargs={"slug": slug})
    assert resolve(unquote(feed)).kwargs == {"slug": slug}


# -- imported topics whose names slugify to nothing ----------------------------------------


@pytest.fixture
def odd_topics(tmp_path):
    write(tmp_path, "a.md", front_matter("Body of *a*.", topics=["AI", "🤖"], webUrl="https://orbit.example/a"))
    write(tmp_path, "b.md", front_matter("Body of b.", topics=["!!!", "機械学習", "AI"], webUrl="https://orbit.example/b"))
    report = import_paths([tmp_path], workers=1)
    assert report.created == 2 and report.ok, report.refused
    cache.clear()
    return {name: Tag.objects.get(name=name) for name in ["AI", "🤖", "!!!", "機械学習"]}


@pytest.mark.django_db
def test_topics_that_slugify_to_nothing_break_no_page(client, odd_topics):
    """`topics: ["AI", "🤖"]` and "!!!" once made /, /topics/, /topics/ai/, the sitemap, search and the article 500."""
    assert odd_topics["🤖"].slug == topic_slug("🤖") and odd_topics["!!!"].slug == topic_slug("!!!")
    assert odd_topics["機械学習"].slug == "機械学習"
    article = Article.objects.get(identity_url="https://orbit.example/a")
    pages = [
        "/", "/topics/", "/topics/ai/", "/sitemap-topics.xml", "/sitemap.xml", "/search/?q=Solar",
        article.get_absolute_url(), "/feed/", "/topics/ai/feed/",
    ] + [reverse("articles:topic-detail", kwargs={"slug": t.slug}) for t in odd_topics.values()]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
    home = client.get("/").content.decode()
    robot_url = reverse("articles:topic-detail", kwargs={"slug": odd_topics["🤖"].slug})
    assert robot_url in client.get(article.get_absolute_url()).content.decode()
    assert "<bdi>🤖</bdi>" in client.get("/topics/").content.decode()
    assert 'href=""' not in home
    sitemap = client.get("/sitemap-topics.xml").content.decode()
    assert f"/topics/{odd_topics['!!!'].slug}/" in sitemap and "/topics//" not in sitemap


@pytest.mark.django_db
def test_the_migration_gives_empty_slugs_their_fallback():
    robot = Tag.objects.create(name="🤖")
    bang = Tag.objects.create(name="!!!")
    Tag.objects.filter(pk=robot.pk).update(slug="")  # as stored before the rule
    Tag.objects.filter(pk=bang.pk).update(slug="_1")
    migration = importlib.import_module("articles.migrations.0019_hardening_fallback_slugs")
    migration.give_empty_slugs_their_fallback(django_apps, SimpleNamespace(connection=connection))
    robot.refresh_from_db()
    assert robot.slug == topic_slug("🤖")
    assert not Tag.objects.filter(slug="").exists()


@pytest.mark.django_db
def test_admin_topic_form_fills_an_empty_slug_with_the_rule(admin_client):
    response = admin_client.post(reverse("admin:articles_topic_add"), {
        "name": "🤖", "slug": "", "redirects-TOTAL_FORMS": "0", "redirects-INITIAL_FORMS": "0",
    })
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Tag.objects.get(name="🤖").slug == topic_slug("🤖")


# -- invisible characters ----------------------------------------------------------------


@pytest.mark.django_db
def test_provider_domains_with_bidi_controls_are_refused_with_a_clear_message(tmp_path):
    spoof = write(tmp_path, "spoof.md", front_matter(provider={"name": "Evil", "domain": "elpmaxe\u202e.evil"}))
    host = write(tmp_path, "host.md", front_matter(webUrl="https://exa\u202emple.org/x", drop=["provider"]))
    report = import_paths([spoof, host], workers=1)
    problems = dict(report.refused)
    assert "provider.domain: 'elpmaxe\\u202e.evil' contains invisible or direction-changing characters (U+202E)" in problems[str(spoof)]
    assert any("U+202E" in p for p in problems[str(host)])
    assert not Provider.objects.filter(domain__contains="\u202e").exists()


@pytest.mark.django_db
def test_topic_made_only_of_invisible_characters_is_refused(tmp_path):
    path = write(tmp_path, "zw.md", front_matter(topics=["AI", "\u200b\u200b"]))
    report = import_paths([path], workers=1)
    assert report.refused and "topics[1]: must be non-empty text" in report.refused[0][1][0]


@pytest.mark.django_db
def test_control_characters_in_front_matter_are_refused_so_feeds_stay_valid(tmp_path):
    path = write(tmp_path, "ctl.md", front_matter().replace("title: Solar", 'title: "Solar\\x01'))
    path.write_text(path.read_text().replace("deep-space test\n", 'deep-space test"\n', 1))
    report = import_paths([path], workers=1)
    assert report.refused and "title: contains a control character (U+0001)" in report.refused[0][1]


@pytest.mark.django_db
def test_names_are_isolated_where_displayed(client, tmp_path):
    """A topic or provider name holding U+202E cannot reverse the text around it."""
    write(tmp_path, "a.md", front_matter(topics=["evil\u202eelpmaxe"], provider={"name": "Orbit\u202e Weekly", "domain": "orbit.example"}))
    assert import_paths([tmp_path], workers=1).ok
    cache.clear()
    article = Article.objects.get()
    topic = Tag.objects.get()
    assert topic.slug == "evilelpmaxe"
    page = client.get(article.get_absolute_url()).content.decode()
    assert "<bdi>evil\u202eelpmaxe</bdi>" in page and "<bdi>Orbit\u202e Weekly</bdi>" in page
    topic_page = client.get(reverse("articles:topic-detail", kwargs={"slug": topic.slug})).content.decode()
    assert "<h1><bdi>evil\u202eelpmaxe</bdi></h1>" in topic_page
    assert "<title>\u2068evil\u202eelpmaxe\u2069" in topic_page  # plain text: Unicode's isolate marks
    for html in (page, topic_page):
        assert "evil\u202eelpmaxe<" not in html.replace("<bdi>evil\u202eelpmaxe</bdi>", "")


@pytest.mark.django_db
def test_admin_lists_isolate_names(admin_client, tmp_path):
    write(tmp_path, "a.md", front_matter(topics=["evil\u202eelpmaxe"]))
    import_paths([tmp_path], workers=1)
    for url in ("admin:articles_topic_changelist", "admin:articles_article_changelist"):
        assert "<bdi>evil\u202eelpmaxe</bdi>" in admin_client.get(reverse(url)).content.decode()


# -- odd path segments ---------------------------------------------------------------------

ODD_SEGMENTS = [".", "..", "%2e", "%2e%2e", "%20", " ", "%00", "a%00b", "%7f", "%e2%80%ae", "x" * 3000,
                "%ff", "%c3", "機械学習", "%F0%9F%A4%96", "www.", "WWW.", "-", "_", "a/b", "%2f", "a%0ab"]


@pytest.mark.django_db
@pytest.mark.parametrize("segment", ["%2e", "%2e%2e", "%20"])
def test_providers_with_dot_or_space_segments_are_404(client, segment):
    """/providers/%2e/ once answered 500 (a redirect to an empty domain)."""
    assert client.get(f"/providers/{segment}/").status_code == 404


@pytest.mark.django_db
def test_no_public_pattern_answers_500_to_odd_segments(client, odd_topics):
    """Every public URL pattern, with each odd segment: 404 or a redirect, never a 500."""
    article = Article.objects.first()
    templates = ["/topics/{}/", "/topics/{}/feed/", "/topics/{}/feed/atom/", "/providers/{}/",
                 f"/articles/{article.pk}/{{}}/", "/articles/{}/x/", "/sitemap-{}.xml", "/{}/", "/search/?q={}",
                 "/?page={}", "/topics/ai/?page={}&sort={}", "/topics/?sort={}"]
    client.raise_request_exception = False
    for template in templates:
        for segment in ODD_SEGMENTS:
            url = template.replace("{}", segment)
            status = client.get(url).status_code
            assert status in (200, 301, 302, 404), (url, status)
            if template.startswith(("/topics/{}", "/providers/{}")) and segment != "機械学習":
                assert status in (301, 404), (url, status)
