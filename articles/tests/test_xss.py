"""Hostile text in every field of an imported file stays text on every page readers and editors see.

Each field carries its own marker (XSSTITLE, XSSEXCERPT, ...) inside payloads that would run
script if any page put them into the HTML as markup: `<script>`, `<img onerror>`, `<svg onload>`,
quote characters that leave an attribute, `javascript:` links. Files go through the real
importer; pages are parsed (html.parser, or ElementTree for XML) and checked for what a browser
would execute, not for substrings.
"""

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from taggit.models import Tag

from articles.importer import import_paths
from articles.models import Article, ImportJob, Provider

from .admin_factories import editor

pytestmark = pytest.mark.django_db


def attack(marker):
    """Script as an element, as an event handler, and as an escape from either attribute quote."""
    return (
        f'<script>alert("{marker}")</script><img src=x onerror=alert("{marker}")>'
        f"\"><svg onload=alert('{marker}')>' onmouseover='alert(\"{marker}\")' x='"
    )


def short_attack(marker):
    """For fields capped at 100 characters (topics, category)."""
    return f'<script>alert("{marker}")</script>"\'><img src=x onerror=alert(1)>'


TITLE = "Zebracorn sighting " + attack("XSSTITLE")
OTHER_TITLE = "Quokkafish report " + attack("XSSOTHERTITLE")
TOPIC = short_attack("XSSTOPIC")
# A domain cannot hold whitespace or "/": no attribute or closing tag, but a quote and "<" fit.
DOMAIN = "xssdomain.example\"onmouseover=\"alert('xssdomain')'<script>alert(1)"
WEB_URL = "https://news.example/zebracorn?q=\"><script>alert('XSSWEBURL')</script>"
# Raw HTML, scheme tricks and both link syntaxes in a Markdown body.
BODY = """A plain paragraph keeps its **bold** words: BODYSURVIVES.

<script>alert("XSSBODY")</script>
<img src=x onerror=alert("XSSBODY")>
<svg onload=alert("XSSBODY")><circle r="1"></circle></svg>
<iframe src="javascript:alert('XSSBODY')" onload="alert('XSSBODY')"></iframe>
<a href="javascript:alert('XSSBODY')">raw javascript link</a>
<a href="JaVaScRiPt:alert('XSSBODY')">mixed-case link</a>
<a href=" java&#x09;script:alert('XSSBODY')">entity-tab link</a>
<a href="&#106;avascript:alert('XSSBODY')">entity link</a>
<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data link</a>
<a href="vbscript:msgbox('XSSBODY')">vbscript link</a>
<p style="background:url(javascript:alert('XSSBODY'))" onclick="alert('XSSBODY')">styled paragraph</p>
<form action="javascript:alert('XSSBODY')"><button formaction="javascript:alert('XSSBODY')">go</button></form>
<math><a xlink:href="javascript:alert('XSSBODY')">math link</a></math>
<object data="javascript:alert('XSSBODY')"></object>
<embed src="javascript:alert('XSSBODY')">
<base href="javascript:alert('XSSBODY')//">
<meta http-equiv="refresh" content="0;url=javascript:alert('XSSBODY')">
<style>body{background:url("javascript:alert('XSSBODY')")}</style>

[markdown javascript link](javascript:alert('XSSBODY'))
[markdown data link](data:text/html;base64,PHNjcmlwdD4=)
[markdown vbscript link](vbscript:msgbox('XSSBODY'))
![markdown image](javascript:alert('XSSBODY'))
<javascript:alert('XSSBODY')>
[reference link][evil]

[evil]: javascript:alert('XSSBODY')

A [good link](https://example.org/fine) stays.
"""
FEATURED = (
    "<iframe src=\"javascript:alert('XSSFEATURED')\" onload=\"alert('XSSFEATURED')\"></iframe>"
    "<script>alert('XSSFEATURED')</script>"
)

MAIN = {
    "category": short_attack("XSSCATEGORY"),
    "title": TITLE,
    "excerpt": attack("XSSEXCERPT"),
    "publishedDateTime": "2024-05-01T10:00:00Z",
    "webUrl": WEB_URL,
    "originalUrl": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    "type": "video",
    "quality": 90,
    "heat": 100_000,
    "published": True,
    "provider": {"name": attack("XSSPROVIDER")[:200], "domain": DOMAIN},
    "topics": [TOPIC, "Zoology"],
    "images": [{
        "url": "https://img.example/lead.jpg?\"><script>alert('XSSIMGURL')</script>",
        "width": 800, "height": 450, "isCached": True, "title": attack("XSSIMGTITLE"),
    }],
    "related": [
        {
            "title": attack("XSSRELTITLE"),
            "excerpt": attack("XSSRELEXCERPT"),
            "webUrl": "https://elsewhere.example/cover?\"><script>alert('XSSRELURL')</script>",
            "provider": {"name": attack("XSSRELPROVIDER")[:200], "domain": "elsewhere.example"},
        },
        # Coverage already on Newsroom links to our own page instead.
        {"title": attack("XSSRELINTERNAL"), "webUrl": "https://news.example/quokkafish"},
    ],
    "featuredContent": FEATURED,
    "xssUnknownKey": attack("XSSEXTRA"),
    '<script>alert("XSSEXTRAKEY")</script>': "a key that looks like markup",
}
OTHER = {
    "title": OTHER_TITLE,
    "excerpt": "The second story.",
    "publishedDateTime": "2024-04-30T10:00:00Z",
    "webUrl": "https://news.example/quokkafish",
    "type": "<b>XSSTYPE</b>",
    "heat": 5,
    "published": True,
    "provider": {"name": "Plain Outlet", "domain": "plain.example"},
    "topics": ["Zoology", TOPIC],
    # A video's player takes the lead image's place, so this article's image carries the alt text.
    "images": [{
        "url": "https://img.example/other.jpg?\"><script>alert('XSSIMGURL')</script>",
        "title": attack("XSSIMGTITLE"),
    }],
}

# What each reader page must show as text (the marker appears, decoded, outside any markup).
READER_MARKERS = {
    "home": ["XSSTITLE", "XSSPROVIDER", "XSSTOPIC", "XSSOTHERTITLE"],
    "topic-list": ["XSSTOPIC"],
    "topic-list-by-size": ["XSSTOPIC"],
    "topic-detail": ["XSSTITLE", "XSSPROVIDER", "XSSEXCERPT", "XSSTOPIC"],
    "topic-detail-trending": ["XSSTITLE", "XSSPROVIDER", "XSSEXCERPT", "XSSTOPIC"],
    "topic-detail-by-provider": ["XSSTITLE", "XSSPROVIDER", "XSSEXCERPT", "XSSTOPIC"],
    "provider-detail": ["XSSTITLE", "XSSPROVIDER", "XSSEXCERPT"],
    "article-detail": [
        "XSSTITLE", "XSSPROVIDER", "XSSEXCERPT", "XSSTOPIC", "XSSCATEGORY",
        "XSSRELTITLE", "XSSRELEXCERPT", "XSSRELPROVIDER", "XSSRELINTERNAL",
    ],
    "other-article-detail": ["XSSOTHERTITLE", "XSSIMGTITLE", "XSSTOPIC"],
    "search": ["XSSTITLE", "XSSPROVIDER", "XSSEXCERPT"],
    "search-reflected": ["XSSQUERY"],
}
# Never shown to readers in any form.
NEVER_PUBLIC = ("XSSFEATURED", "XSSEXTRA", "XSSEXTRAKEY")

SAFE_SCHEMES = {"http", "https"}
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "poster", "data", "srcset", "xlink:href", "background",
    "cite", "ping", "codebase", "manifest", "icon", "longdesc", "lowsrc", "dynsrc",
}
PLAYERS = ("https://www.youtube-nocookie.com/embed/", "https://player.vimeo.com/video/")
DANGEROUS_TAGS = {"svg", "math", "object", "embed", "applet", "base", "frame", "frameset", "style"}
JSON_SCRIPT_TYPES = {"application/ld+json", "application/json"}
# A browser ignores ASCII whitespace and control characters inside a URL's scheme.
_IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20\x7f]")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")


def scheme_of(url):
    match = _SCHEME.match(_IGNORED_IN_SCHEME.sub("", url).lower())
    return match.group(1) if match else None


class Page(HTMLParser):
    """Every element with its attributes, every <script>'s text, and the page's visible text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements = []  # (tag, [(name, value)])
        self.scripts = []  # (attrs, text)
        self.text = []
        self._script = None

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))
        if tag == "script":
            self._script = (dict(attrs), [])

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, attrs))

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            attrs, parts = self._script
            self.scripts.append((attrs, "".join(parts)))
            self._script = None

    def handle_data(self, data):
        if self._script is not None:
            self._script[1].append(data)
        else:
            self.text.append(data)


def parse_html(html):
    page = Page()
    page.feed(html)
    page.close()
    return page


def problems_in(html, *, public):
    """What in this HTML a browser would run or follow: a list of readable problems (empty = inert)."""
    page = parse_html(html)
    found = []
    for tag, attrs in page.elements:
        if "xss" in tag:
            found.append(f"element <{tag}> made from data")
        if public and tag in DANGEROUS_TAGS:  # the admin draws its icons in inline <svg>
            found.append(f"<{tag}> element")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                found.append(f"<{tag} {name}={value!r}>: event handler")
            if "xss" in name:
                found.append(f"<{tag}> attribute {name!r} made from data")
            if name == "srcdoc":
                found.append(f"<{tag} srcdoc>")
            if name in URL_ATTRIBUTES and scheme_of(value) not in (None, *SAFE_SCHEMES):
                found.append(f"<{tag} {name}={value!r}>: not an http(s) or relative URL")
            if public and name == "style":
                found.append(f"<{tag} style=...>: inline style on a reader page")
        attrs = dict(attrs)
        if tag == "iframe" and not (attrs.get("src") or "").startswith(PLAYERS):
            found.append(f"<iframe src={attrs.get('src')!r}>: not a player Newsroom builds")
        if tag == "meta" and "refresh" in (attrs.get("http-equiv") or "").lower():
            if "url" in (attrs.get("content") or "").lower():
                found.append(f"<meta refresh content={attrs.get('content')!r}>: redirects")
    for attrs, text in page.scripts:
        if (attrs.get("type") or "").lower() in JSON_SCRIPT_TYPES:
            # Data, not code: it must stay one valid JSON value that cannot close its element.
            if "<" in text:
                found.append(f"JSON <script> holds a raw '<': {text[:80]!r}")
            try:
                json.loads(text)
            except ValueError:
                found.append(f"JSON <script> is not valid JSON: {text[:80]!r}")
        elif "xss" in text.lower():
            found.append(f"<script> runs data: {text[:80]!r}")
    return found, page


def assert_inert(response, *, public, shown=(), absent=()):
    """The page parses to no executable data; `shown` markers appear as text, `absent` ones nowhere."""
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    found, page = problems_in(html, public=public)
    assert not found, "\n".join(found)
    text = "".join(page.text)
    attr_text = " ".join(v or "" for _, attrs in page.elements for _, v in attrs)
    for marker in shown:
        # Shown as the file wrote it, markup characters and all: escaped in the source, text on screen
        # (JSON shown to editors writes the quote as \").
        shown_as_text = re.compile(r'<script>alert\(\\?"' + marker)
        assert shown_as_text.search(text) or shown_as_text.search(attr_text), marker
        assert not re.search(r'<script>alert\(\\?"' + marker, html), f"{marker} is in the page unescaped"
    for marker in absent:
        assert marker not in html, f"{marker} must not reach this page"
    return page


@pytest.fixture
def stories(tmp_path):
    """The two hostile files imported through the real importer: (main, other) articles."""
    for name, data in (("main.md", MAIN), ("other.md", OTHER)):
        front = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        body = BODY if name == "main.md" else "Second body.\n"
        (tmp_path / name).write_text(f"---\n{front}---\n{body}", encoding="utf-8")
    report = import_paths([tmp_path], workers=1)
    assert report.ok and report.created == 2, report.refused
    main = Article.objects.get(identity_url=WEB_URL)
    other = Article.objects.get(identity_url=OTHER["webUrl"])
    # Nothing was lost or rewritten on the way in: the data really is hostile.
    assert main.title == TITLE and main.featured_content == FEATURED
    assert main.extra["xssUnknownKey"] == attack("XSSEXTRA")
    assert main.provider.domain == DOMAIN
    return main, other


def topic_slug():
    return Tag.objects.get(name=TOPIC).slug


def reader_pages(main):
    """(name, url) of every reader page that shows the hostile article."""
    return {
        "home": reverse("articles:home"),
        "topic-list": reverse("articles:topic-list"),
        "topic-list-by-size": reverse("articles:topic-list") + "?sort=size",
        "topic-detail": reverse("articles:topic-detail", kwargs={"slug": topic_slug()}),
        "topic-detail-trending": reverse("articles:topic-detail", kwargs={"slug": topic_slug()}) + "?sort=trending",
        "topic-detail-by-provider": reverse("articles:topic-detail", kwargs={"slug": topic_slug()})
        + "?provider=" + quote(DOMAIN),
        "provider-detail": main.provider.get_absolute_url(),
        "article-detail": main.get_absolute_url(),
        "other-article-detail": Article.objects.get(identity_url=OTHER["webUrl"]).get_absolute_url(),
        "search": reverse("articles:search") + "?q=zebracorn",
        "search-reflected": reverse("articles:search") + "?q=" + quote(attack("XSSQUERY")[:120]),
    }


PAGE_NAMES = list(READER_MARKERS)


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_reader_page_shows_hostile_text_as_text(client, stories, name):
    """Titles, names, topics and excerpts full of markup appear as typed and run nothing."""
    main, _ = stories
    response = client.get(reader_pages(main)[name])
    assert_inert(response, public=True, shown=READER_MARKERS[name], absent=NEVER_PUBLIC)


def test_article_page_sanitises_the_body_and_never_renders_the_embed(client, stories):
    """The body keeps its text and its http(s) link; raw HTML and script links are gone; the player is ours."""
    main, _ = stories
    response = client.get(main.get_absolute_url())
    page = assert_inert(response, public=True, absent=NEVER_PUBLIC)
    text = "".join(page.text)
    assert "BODYSURVIVES" in text and "raw javascript link" in text  # the words stay ...
    links = {dict(attrs).get("href") for tag, attrs in page.elements if tag == "a"}
    assert "https://example.org/fine" in links
    assert not [h for h in links if h and "XSSBODY" in h]  # ... the hostile addresses go
    iframes = [dict(attrs) for tag, attrs in page.elements if tag == "iframe"]
    assert [f["src"] for f in iframes] == ["https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"]
    # Structured data holds the hostile headline as a JSON string, nothing more.
    ld = [json.loads(text) for attrs, text in page.scripts if attrs.get("type") == "application/ld+json"]
    assert ld and ld[0]["headline"] == TITLE[:110]


def test_image_address_with_quotes_stays_one_attribute(client, stories):
    """An image URL holding a quote and a tag stays the image's src: it opens no attribute or element."""
    other = Article.objects.get(identity_url=OTHER["webUrl"])
    page = assert_inert(client.get(other.get_absolute_url()), public=True)
    sources = [dict(attrs).get("src") for tag, attrs in page.elements if tag == "img"]
    assert OTHER["images"][0]["url"] in sources


def test_unknown_topic_and_provider_addresses_are_not_reflected_as_markup(client, stories):
    """A 404 for a hostile address shows nothing a browser would run."""
    for url in (
        "/topics/" + quote(attack("XSS404TOPIC")) + "/",
        "/providers/" + quote("<script>alert('XSS404')</script>") + "/",
    ):
        response = client.get(url)
        assert response.status_code == 404
        found, _ = problems_in(response.content.decode(), public=True)
        assert not found and b"<script>alert(" not in response.content


# -- feeds, sitemaps, robots.txt ----------------------------------------------------------

ATOM = "{http://www.w3.org/2005/Atom}"


def feed_items(response):
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    if root.tag == f"{ATOM}feed":
        return root, root.findall(f"{ATOM}entry")
    return root, root.findall("channel/item")


def assert_xml_links_are_web(root):
    for element in root.iter():
        for name in ("href", "url"):
            if name in element.attrib:
                assert scheme_of(element.attrib[name]) in SAFE_SCHEMES, element.attrib
        if element.tag in ("link", "guid", f"{ATOM}id", "{http://www.sitemaps.org/schemas/sitemap/0.9}loc"):
            text = (element.text or "").strip()
            if text:
                assert scheme_of(text) in SAFE_SCHEMES, text


@pytest.mark.parametrize("feed", ["latest-feed", "latest-atom", "topic-feed", "topic-atom"])
def test_feeds_carry_hostile_text_as_text(client, stories, feed):
    """A title is plain text to every feed reader; a description is escaped HTML that renders as text."""
    kwargs = {"slug": topic_slug()} if feed.startswith("topic") else {}
    response = client.get(reverse(f"articles:{feed}", kwargs=kwargs))
    root, items = feed_items(response)
    assert_xml_links_are_web(root)
    raw = response.content.decode()
    for marker in NEVER_PUBLIC:
        assert marker not in raw
    by_title = {}
    for item in items:
        title = item.find(f"{ATOM}title") if root.tag == f"{ATOM}feed" else item.find("title")
        # Text only: the payload made no XML element of its own.
        assert len(title) == 0
        by_title[title.text] = item
    assert TITLE in by_title, list(by_title)
    item = by_title[TITLE]
    description = item.find(f"{ATOM}summary") if root.tag == f"{ATOM}feed" else item.find("description")
    # Readers render the description as HTML: there it must be text again.
    rendered, page = problems_in(description.text, public=True)
    assert not rendered, rendered
    assert f'<script>alert("XSSEXCERPT")' in "".join(page.text)
    # Atom writes a category as term="...", RSS as element text.
    categories = [c.get("term", c.text) for c in item.iter() if c.tag.endswith("category")]
    assert TOPIC in categories
    if root.tag == f"{ATOM}feed":
        author = item.find(f"{ATOM}author/{ATOM}name").text
        assert author == MAIN["provider"]["name"]


def test_sitemaps_list_hostile_topics_and_providers_as_encoded_addresses(client, stories):
    """Every <loc> in the index and each section is an http(s) address on this site; no data made XML."""
    index = client.get(reverse("sitemap"))
    assert index.status_code == 200
    root = ET.fromstring(index.content)
    assert_xml_links_are_web(root)
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    sections = [loc.text for loc in root.iter(f"{ns}loc")]
    assert len(sections) == 3
    locs = []
    for section in sections:
        response = client.get(section.replace("http://testserver", ""))
        assert response.status_code == 200
        section_root = ET.fromstring(response.content)
        assert_xml_links_are_web(section_root)
        assert {e.tag for e in section_root.iter()} <= {f"{ns}{t}" for t in ("urlset", "url", "loc", "lastmod")}
        locs += [loc.text for loc in section_root.iter(f"{ns}loc")]
    main, _ = stories
    assert "http://testserver" + main.provider.get_absolute_url() in locs
    assert "http://testserver" + reverse("articles:topic-detail", kwargs={"slug": topic_slug()}) in locs
    assert not [loc for loc in locs if re.search(r"[<>\" ]", loc)]


def test_robots_txt_is_plain_text_without_data(client, stories):
    """robots.txt is text/plain and says nothing an article wrote."""
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert b"xss" not in response.content.lower()


# -- what the importer refuses ------------------------------------------------------------

URL_KEYS = [
    ("webUrl",), ("originalUrl",), ("ampWebUrl",), ("cdnAmpWebUrl",), ("images", 0, "url"),
    ("provider", "images", 0, "url"), ("related", 0, "webUrl"), ("related", 0, "ampWebUrl"),
    ("related", 0, "cdnAmpWebUrl"), ("related", 0, "images", 0, "url"),
]
BAD_URLS = [
    "javascript:alert('XSSURL')",
    "JavaScript:alert('XSSURL')",
    " javascript:alert('XSSURL')",
    "java\tscript:alert('XSSURL')",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox('XSSURL')",
    "//evil.example/no-scheme",
    "https:alert('XSSURL')",
]


def _set(data, path, value):
    for key in path[:-1]:
        data = data[key]
    data[path[-1]] = value


@pytest.mark.parametrize("path", URL_KEYS, ids=[".".join(map(str, p)) for p in URL_KEYS])
@pytest.mark.parametrize("url", BAD_URLS)
def test_importer_refuses_non_web_urls(tmp_path, path, url):
    """A file with a javascript:, data: or vbscript: address anywhere is refused by name; nothing is stored."""
    data = {
        "title": "Refuse me",
        "webUrl": "https://ok.example/a",
        "originalUrl": "https://ok.example/orig",
        "ampWebUrl": "https://ok.example/amp",
        "cdnAmpWebUrl": "https://cdn.example/amp",
        "published": True,
        "provider": {"name": "Ok", "domain": "ok.example", "images": [{"url": "https://ok.example/logo.png"}]},
        "images": [{"url": "https://ok.example/i.jpg"}],
        "related": [{
            "title": "R", "webUrl": "https://r.example/1", "ampWebUrl": "https://r.example/amp",
            "cdnAmpWebUrl": "https://cdn.example/r", "images": [{"url": "https://r.example/i.jpg"}],
        }],
    }
    _set(data, path, url)
    target = tmp_path / "bad.md"
    target.write_text("---\n" + yaml.safe_dump(data, allow_unicode=True) + "---\n", encoding="utf-8")
    report = import_paths([target], workers=1)
    assert [p for p, _ in report.refused] == [str(target)]
    problems = report.refused[0][1]
    assert any("http(s) URL" in p for p in problems), problems
    assert not Article.objects.exists() and not Provider.objects.exists()


# -- the admin ------------------------------------------------------------------------------

@pytest.fixture
def editor_client(client):
    client.force_login(editor())
    return client


def upload(client, name, data, body="Uploaded body.\n"):
    front = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    content = f"---\n{front}---\n{body}".encode()
    return client.post(
        reverse("admin:articles_article_import"),
        {"files": [SimpleUploadedFile(name, content, content_type="text/markdown")]},
    )


@pytest.fixture
def uploaded(editor_client, stories):
    """An editor's upload of one hostile file and one refused file, both with hostile names: the job."""
    good = {**OTHER, "title": attack("XSSUPLOADTITLE"), "webUrl": "https://news.example/uploaded"}
    bad = {**OTHER, "webUrl": "javascript:alert('XSSREFUSEDURL')"}
    assert upload(editor_client, "<svg onload=alert('XSSFILENAME')>.md", good).status_code == 302
    response = upload(editor_client, "<img src=x onerror=alert('XSSREFUSEDNAME')>.md", bad)
    assert response.status_code == 302
    jobs = list(ImportJob.objects.order_by("pk"))
    assert [j.status for j in jobs] == ["done", "done"]
    return jobs


def admin_pages(main, jobs):
    uploaded = Article.objects.get(identity_url="https://news.example/uploaded")
    topic = Tag.objects.get(name=TOPIC)
    return {
        "index": (reverse("admin:index"), ["XSSUPLOADTITLE"]),
        "article-list-search": (
            reverse("admin:articles_article_changelist") + "?q=zebracorn", ["XSSTITLE", "XSSPROVIDER", "XSSTOPIC"],
        ),
        "article-list-filters": (
            reverse("admin:articles_article_changelist"), ["XSSTITLE", "XSSOTHERTITLE", "XSSCATEGORY"],
        ),
        "article-change": (
            reverse("admin:articles_article_change", args=[main.pk]),
            ["XSSTITLE", "XSSEXCERPT", "XSSPROVIDER", "XSSTOPIC", "XSSIMGTITLE", "XSSRELTITLE", "XSSRELEXCERPT",
             "XSSEXTRA", "XSSEXTRAKEY"],
        ),
        "article-history": (reverse("admin:articles_article_history", args=[uploaded.pk]), ["XSSUPLOADTITLE"]),
        "topic-list": (reverse("admin:articles_topic_changelist") + "?q=script", ["XSSTOPIC"]),
        "topic-change": (reverse("admin:articles_topic_change", args=[topic.pk]), ["XSSTOPIC"]),
        "provider-list": (reverse("admin:articles_provider_changelist"), ["XSSPROVIDER", "XSSRELPROVIDER"]),
        "provider-change": (reverse("admin:articles_provider_change", args=[main.provider.pk]), ["XSSPROVIDER"]),
        "import-form": (reverse("admin:articles_article_import"), []),
        "import-job-good": (reverse("admin:articles_article_import_job", args=[jobs[0].pk]), []),
        "import-job-refused": (reverse("admin:articles_article_import_job", args=[jobs[1].pk]), []),
    }


ADMIN_PAGE_NAMES = [
    "index", "article-list-search", "article-list-filters", "article-change", "article-history", "topic-list",
    "topic-change", "provider-list", "provider-change", "import-form", "import-job-good", "import-job-refused",
]


@pytest.mark.parametrize("name", ADMIN_PAGE_NAMES)
def test_admin_page_shows_hostile_text_as_text(editor_client, stories, uploaded, name):
    """Every page an editor opens shows the hostile values as text (or as form values) and runs none."""
    main, _ = stories
    url, shown = admin_pages(main, uploaded)[name]
    page = assert_inert(editor_client.get(url), public=False, shown=shown)
    text = "".join(page.text)
    if name == "import-job-good":
        assert "<svg onload=alert('XSSFILENAME')>.md" in text
    if name == "import-job-refused":
        assert "<img src=x onerror=alert('XSSREFUSEDNAME')>.md" in text
        assert "XSSREFUSEDURL" in text and "is not an http(s) URL" in text
    if name == "article-history":
        assert "<svg onload=alert('XSSFILENAME')>.md" in text
    if name == "article-change":
        # The embed markup is there to edit, as the text of a textarea: never as an element.
        assert FEATURED in text
