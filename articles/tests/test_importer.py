"""The importer: what a newsroom notices when it loads files, good and broken."""

import datetime as dt
import gc
from io import StringIO
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from taggit.models import Tag

from articles import db
from articles.db import sqlite as sqlite_engine
from articles.importer import import_paths
from articles.importer import write as write_module
from articles.models import Article, ArticleTopic, Image, Provider, RelatedLink
from articles.search import search_articles

from .importing import front_matter, second_batch_fails, snapshot, write

SEED = Path(__file__).resolve().parents[2] / "fixtures" / "000_a5d27d189a612af7.txt"
DATA = Path(__file__).resolve().parent / "data"

pytestmark = pytest.mark.django_db


def run_command(*args):
    out, err = StringIO(), StringIO()
    call_command("import_articles", *map(str, args), "--no-progress", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_seed_stores_every_field():
    """Every key of the seed lands in a typed field."""
    report = import_paths([SEED])
    assert (report.created, report.refused) == (1, [])
    article = Article.objects.get()
    assert article.title == "IBM will no longer offer facial recognition software to law enforcement"
    assert article.identity_url == article.web_url == (
        "https://mashable.com/article/ibm-facial-recognition-law-enforcement-congress/"
    )
    assert article.amp_url.endswith("congress.amp")
    assert article.cdn_amp_url.startswith("https://mashable-com.cdn.ampproject.org/")
    assert article.excerpt.startswith("Artificial intelligence powerhouse IBM")
    assert (article.category, article.item_type, article.quality, article.heat) == ("news", "article", 89, 129)
    assert article.is_published is True
    assert article.published_at == dt.datetime(2020, 6, 9, 18, 2, tzinfo=dt.timezone.utc)
    assert article.published_at_offset == 0
    assert (article.provider.name, article.provider.domain) == ("Mashable", "mashable.com")
    assert [(t.label, t.tag.name, t.position) for t in article.topic_links.order_by("position")] == [
        ("Computer Vision", "Computer Vision", 0),
        ("AI", "AI", 1),
    ]
    image = article.images.get()
    assert (image.width, image.height, image.is_cached) == (1200, 630, True)
    assert image.url.startswith("https://mondrian.mashable.com/")
    related = list(article.related_links.order_by("position"))
    assert [r.provider.domain for r in related] == [
        "thenextweb.com", "businessinsider.com", "kitv.com", "nextgov.com",
    ]
    assert related[0].images == [
        {
            "url": "https://cdn0.tnwcdn.com/wp-content/blogs.dir/1/files/2020/06/IBM-Facial-recognition-796x418.jpg",
            "width": 796, "height": 418, "isCached": True,
        }
    ]
    assert related[1].amp_url is None and related[1].quality == 49
    secured_line = next(line for line in SEED.read_text().splitlines() if line.startswith("secured:"))
    assert article.secured == secured_line.split('"')[1], "secured is kept byte for byte"
    assert article.body == "\n"
    assert article.source_path == str(SEED) and len(article.content_hash) == 64
    assert article.first_imported_at == article.last_imported_at is not None


def test_video_without_weburl_is_identified_by_original_url():
    import_paths([DATA / "video_no_weburl.md"])
    article = Article.objects.get()
    assert article.identity_url == article.original_url == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    assert article.web_url is None
    assert article.published_at_offset == 120, "the +02:00 time zone is kept"
    assert article.published_at_local.isoformat() == "2026-11-02T09:30:00+02:00"
    assert article.featured_content.startswith("<iframe")
    assert article.extra == {"wordCount": 0, "language": "en"}
    assert article.provider.domain == "labtube.example"
    assert article.body == "# Transcript\n\nRobots **fold** laundry.\n"


def test_bom_crlf_and_unicode_are_fine():
    report = import_paths([DATA / "bom_crlf_unicode.txt"])
    assert report.refused == []
    article = Article.objects.get()
    assert article.title == "Café crème — 日本 🚀 <b>bold</b> &amp;"
    assert article.is_published is False
    assert article.images.get().title is None


def test_topics_differing_in_case_are_one_topic(tmp_path):
    """"AI" and "ai" share one topic; each article keeps its own spelling."""
    write(tmp_path, "a.md", front_matter(topics=["AI", "Space"]))
    write(tmp_path, "b.md", front_matter(webUrl="https://orbit.example/b", topics=["ai"]))
    import_paths([tmp_path])
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["AI", "Space"]
    labels = dict(ArticleTopic.objects.values_list("content_object__web_url", "label").filter(tag__name="AI"))
    assert labels == {"https://orbit.example/solar-sails": "AI", "https://orbit.example/b": "ai"}


def test_repeated_topic_in_one_file_is_kept_once_with_a_warning(tmp_path):
    path = write(tmp_path, "a.md", front_matter(topics=["AI", "ai"]))
    report = import_paths([path])
    assert Article.objects.get().topics.count() == 1
    assert report.warnings == [f"{path}: topics[1]: 'ai' is the topic 'AI' again; kept once"]


def test_www_and_bare_domain_are_one_provider(tmp_path):
    write(tmp_path, "a.md", front_matter(provider={"name": "Orbit", "domain": "www.Orbit.example"}))
    write(tmp_path, "b.md", front_matter(webUrl="https://orbit.example/b"))
    import_paths([tmp_path])
    assert list(Provider.objects.values_list("domain", flat=True).filter(domain__contains="orbit")) == [
        "orbit.example"
    ]
    assert Article.objects.filter(provider__domain="orbit.example").count() == 2


def test_missing_provider_is_named_after_the_article_host(tmp_path):
    import_paths([write(tmp_path, "a.md", front_matter(drop=["provider"]))])
    assert Article.objects.get().provider.domain == "orbit.example"


def test_reimport_of_unchanged_files_writes_nothing(tmp_path):
    """A second run reports every file unchanged, with no writes: it reads the known hashes
    and looks for indexes a killed first load left to build."""
    write(tmp_path, "a.md", front_matter())
    write(tmp_path, "b.md", front_matter(webUrl="https://orbit.example/b"))
    import_paths([tmp_path])
    before = snapshot()
    with CaptureQueriesContext(connection) as queries:
        report = import_paths([tmp_path])
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
    assert len(queries) == 2
    assert all(q["sql"].lstrip().upper().startswith("SELECT") for q in queries)
    assert snapshot() == before


@pytest.mark.skipif(not db.is_engine("sqlite"), reason="SQLite's WAL checkpoints")
def test_sqlite_checkpoints_once_per_run_not_once_per_batch(tmp_path):
    """During a run the WAL may grow (checkpointing after every batch rewrote the same index
    pages again and again); afterwards the connection is back to SQLite's default interval."""
    for n in range(3):
        write(tmp_path, f"{n}.md", front_matter(webUrl=f"https://orbit.example/{n}"))

    def interval():
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_autocheckpoint")
            return cursor.fetchone()[0]

    seen = []
    real_write = write_module.Writer.write

    def spying_write(self, *args, **kwargs):
        seen.append(interval())
        return real_write(self, *args, **kwargs)

    with mock.patch.object(write_module.Writer, "write", spying_write):
        report = import_paths([tmp_path], batch_size=2)
    assert report.created == 3
    assert seen == [sqlite_engine.IMPORT_CHECKPOINT_PAGES] * 2
    assert interval() == sqlite_engine.DEFAULT_CHECKPOINT_PAGES


def test_changed_file_updates_its_article_and_children_match_exactly(tmp_path):
    path = write(tmp_path, "a.md", front_matter())
    import_paths([path])
    article_id = Article.objects.get().pk
    write(
        tmp_path, "a.md",
        front_matter(
            title="Solar sails: second test", heat=5, topics=["Physics"],
            images=[], related=[{"title": "x", "webUrl": "https://z.example/1"}, {"title": "y"}],
        ),
    )
    report = import_paths([path])
    assert (report.created, report.updated) == (0, 1)
    article = Article.objects.get()
    assert (article.pk, article.title, article.heat) == (article_id, "Solar sails: second test", 5)
    assert list(article.topics.names()) == ["Physics"]
    assert not Image.objects.exists()
    assert list(RelatedLink.objects.order_by("position").values_list("title", "web_url")) == [
        ("x", "https://z.example/1"), ("y", None),
    ]
    assert article.last_imported_at > article.first_imported_at


def test_a_change_to_the_text_rewrites_only_what_changed(tmp_path):
    """Images, related links and topic links equal to the stored ones stay as they are (with
    editors' pins and uploads); the article's UPDATE names only the changed columns."""
    path = write(tmp_path, "a.md", front_matter())
    import_paths([path])
    children = lambda model: list(model.objects.order_by("pk").values_list("pk", flat=True))  # noqa: E731
    before = {model: children(model) for model in (Image, RelatedLink, ArticleTopic)}
    ArticleTopic.objects.filter(tag__name="Space").update(pinned=True)
    Image.objects.update(file="articles/uploaded.jpg")

    write(tmp_path, "a.md", front_matter(title="Solar sails pass a second test", heat=71))
    with CaptureQueriesContext(connection) as queries:
        report = import_paths([path])
    assert report.updated == 1
    assert {model: children(model) for model in before} == before
    assert ArticleTopic.objects.get(tag__name="Space").pinned
    assert Image.objects.get().file.name == "articles/uploaded.jpg"
    updates = [q["sql"] for q in queries if "UPDATE \"articles_article\"" in q["sql"]]
    assert len(updates) == 1 and '"heat"' in updates[0] and '"title"' in updates[0]
    assert '"body"' not in updates[0] and '"excerpt"' not in updates[0]
    found = search_articles(Article.objects.published(), "second")
    assert [a.title for a in found] == ["Solar sails pass a second test"]

    write(tmp_path, "a.md", front_matter(title="Solar sails pass a second test", heat=71, topics=["Space", "Physics"]))
    import_paths([path])
    assert list(Article.objects.get().topics.names()) == ["Space", "Physics"]
    assert ArticleTopic.objects.get(tag__name="Space").pinned, "a pin survives its topic list changing"
    assert children(Image) == before[Image], "the images did not change"


def table_writes(*tables):
    """{table: (rows inserted, updated)} by this transaction so far (PostgreSQL's statistics)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, n_tup_ins, n_tup_upd FROM pg_stat_xact_user_tables WHERE relname = ANY(%s)",
                       [list(tables)])
        return {name: (ins, upd) for name, ins, upd in cursor.fetchall()}


@pytest.mark.skipif(not db.is_engine("postgresql"), reason="PostgreSQL's COPY and statement triggers")
def test_postgresql_import_writes_each_row_once(tmp_path):
    """Topic links arrive with their article's values and each article gets one search document:
    the triggers find nothing to rewrite (written empty, every link would be written twice)."""
    tables = ("articles_article", "articles_articletopic", "articles_searchdoc")
    for i in range(3):
        write(tmp_path, f"{i}.md", front_matter(webUrl=f"https://orbit.example/{i}", heat=None if i else 7))
    before = table_writes(*tables)
    assert import_paths([tmp_path], workers=1).created == 3
    after = table_writes(*tables)
    written = {t: (after[t][0] - before.get(t, (0, 0))[0], after[t][1] - before.get(t, (0, 0))[1]) for t in tables}
    assert written == {"articles_article": (3, 0), "articles_articletopic": (6, 0), "articles_searchdoc": (3, 0)}
    assert set(ArticleTopic.objects.values_list("article_heat", flat=True)) == {7, -1}

    write(tmp_path, "0.md", front_matter(webUrl="https://orbit.example/0", title="Sails, again", heat=8))
    before = table_writes(*tables)
    assert import_paths([tmp_path], workers=1).updated == 1
    assert table_writes(*tables)["articles_article"][1] - before["articles_article"][1] == 1
    assert search_articles(Article.objects.filter(title="Sails, again"), "again").count() == 1


def test_same_identity_twice_in_one_run_later_file_wins(tmp_path):
    first = write(tmp_path, "a.md", front_matter(title="First"))
    second = write(tmp_path, "b.md", front_matter(title="Second"))
    report = import_paths([tmp_path])
    assert Article.objects.get().title == "Second"
    assert any(str(first) in w and str(second) in w for w in report.warnings)
    # The next run keeps the later file's version instead of flip-flopping.
    import_paths([tmp_path])
    assert Article.objects.get().title == "Second"


def test_dry_run_writes_nothing(tmp_path):
    write(tmp_path, "a.md", front_matter())
    out, _ = run_command(tmp_path, "--dry-run")
    assert "1 would be created" in out
    assert not Article.objects.exists()


def test_command_summary_and_verbosity(tmp_path):
    path = write(tmp_path, "a.md", front_matter())
    out, err = run_command(tmp_path, "-v", "2")
    assert f"created   {path}" in out
    assert "1 file: 1 created, 0 updated, 0 unchanged, 0 refused" in out and "files/s" in out
    assert err == ""  # no progress bar when not on a terminal
    out, _ = run_command(tmp_path, "-v", "0")
    assert out == ""


def test_hidden_files_and_other_suffixes_are_skipped(tmp_path):
    write(tmp_path, ".hidden.md", front_matter(webUrl="https://orbit.example/hidden"))
    write(tmp_path, ".git/x.md", front_matter(webUrl="https://orbit.example/git"))
    write(tmp_path, "notes.json", "{}")
    write(tmp_path, "sub/b.markdown", front_matter(webUrl="https://orbit.example/b"))
    write(tmp_path, "c.TXT", front_matter(webUrl="https://orbit.example/c"))
    report = import_paths([tmp_path])
    assert report.created == 2
    assert sorted(Article.objects.values_list("web_url", flat=True)) == [
        "https://orbit.example/b", "https://orbit.example/c",
    ]


def test_missing_path_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="no-such-dir: no such file or directory"):
        run_command(tmp_path / "no-such-dir")


# -- broken input -----------------------------------------------------------------------

BIG = b"---\ntitle: big\n---\n" + b"x" * (2 * 1024 * 1024)

BROKEN = {
    "not-utf8": (front_matter().encode("utf-8").replace(b"Solar", b"S\xff\xfelar"), "not UTF-8 text (byte 0xff"),
    "no-closing": ("---\ntitle: x\nwebUrl: https://orbit.example/solar-sails\n", "no closing '---' line"),
    "no-opening": ("title: x\n---\n", "must start with a line '---'"),
    "invalid-yaml": ("---\ntitle: [unclosed\nwebUrl: x\n---\n", "front matter: invalid YAML"),
    "list-not-mapping": ("---\n- title\n- webUrl\n---\n", "front matter: must be a mapping"),
    "provider-list": (front_matter(provider=["Orbit"]), "provider: must be a mapping, not a list"),
    "images-mapping": (front_matter(images={"url": "https://x.example"}), "images: must be a list"),
    "heat-hot": (front_matter(heat="hot"), "heat: must be a whole number, not text 'hot'"),
    "quality-negative": (front_matter(quality=-3), "quality: must be 0 or more"),
    "published-yes-text": (front_matter(published="maybe"), "published: must be true or false"),
    "javascript-url": (front_matter(webUrl="javascript:alert(1)"), "webUrl: 'javascript:alert(1)' is not an http(s) URL"),
    "javascript-image": (
        front_matter(images=[{"url": "javascript:alert(1)"}]), "images[0].url: 'javascript:alert(1)' is not"
    ),
    "bad-timestamp": (front_matter(publishedDateTime="yesterday"), "publishedDateTime: 'yesterday' is not a timestamp"),
    "no-title": (front_matter(drop=["title"]), "title: is required"),
    "no-identity": (front_matter(drop=["webUrl"]), "webUrl: missing, and there is no originalUrl"),
    "topic-number": (front_matter(topics=["AI", 42]), "topics[1]: must be non-empty text"),
    "python-tag": ("---\ntitle: !!python/object/apply:os.system ['true']\n---\n", "could not determine a constructor"),
    "alias-bomb": (
        "---\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ntitle: x\n---\n",
        "YAML anchors and aliases are not accepted",
    ),
    "deep-nesting": ("---\ntitle: x\nextra: " + "[" * 200 + "]" * 200 + "\n---\n", "nested"),
    "nul-character": (front_matter(title="a\x00b"), "title: contains a NUL character"),
    "too-big": (BIG, "over the 1,048,576-byte limit"),
}


@pytest.mark.parametrize("name", BROKEN)
def test_broken_file_is_refused_clearly_and_damages_nothing(tmp_path, name):
    """A broken file: clear message naming it, the other files import, stored data unchanged, exit 1."""
    content, problem = BROKEN[name]
    write(tmp_path / "first", "stored.md", front_matter())
    import_paths([tmp_path / "first"])
    before = snapshot()

    batch = tmp_path / "batch"
    broken = write(batch, f"{name}.md", content)
    write(batch, "z-good.md", front_matter(webUrl="https://orbit.example/new", title="Fresh"))
    with pytest.raises(CommandError) as raised:
        _, err = run_command(batch)
    assert raised.value.returncode == 1

    report = import_paths([batch])
    assert [p for p, _ in report.refused] == [str(broken)]
    message = f"{broken}: {report.refused[0][1][0]}"
    assert problem in message, message
    assert "Traceback" not in message
    assert Article.objects.filter(title="Fresh").exists(), "the good file in the batch still imports"
    stored_now = [row for row in snapshot() if row[0]["identity_url"] == "https://orbit.example/solar-sails"]
    assert stored_now == before, "the stored article is untouched"


def test_refusal_lists_every_problem_with_path_on_stderr(tmp_path):
    path = write(tmp_path, "bad.md", front_matter(heat="hot", quality=-1, webUrl="ftp://x.example/a"))
    with pytest.raises(CommandError):
        call_command("import_articles", str(path), stdout=StringIO(), stderr=(err := StringIO()))
    lines = err.getvalue().splitlines()
    assert f"{path}: webUrl: 'ftp://x.example/a' is not an http(s) URL" in lines
    assert f"{path}: quality: must be 0 or more, not -1" in lines
    assert f"{path}: heat: must be a whole number, not text 'hot'" in lines


def test_size_limit_is_an_option(tmp_path):
    path = write(tmp_path, "a.md", front_matter())
    with pytest.raises(CommandError):
        run_command(path, "--max-bytes", "100")
    assert not Article.objects.exists()
    run_command(path, "--max-bytes", "100000")
    assert Article.objects.count() == 1


# -- interruption ----------------------------------------------------------------------


def _corpus(directory, count):
    for i in range(count):
        write(
            directory, f"{i:03d}.md",
            front_matter(webUrl=f"https://orbit.example/{i}", title=f"Story {i}", topics=[f"T{i % 3}", "All"]),
        )


def _consistent():
    """Every stored article is whole: its topics, image and related link are all there."""
    for article in Article.objects.prefetch_related("images", "related_links", "topic_links"):
        assert article.images.count() == 1
        assert article.related_links.count() == 1
        assert article.topic_links.count() == 2


@pytest.mark.parametrize("error", [RuntimeError("disk on fire"), KeyboardInterrupt()])
def test_exception_mid_import_leaves_whole_articles_and_rerun_finishes(tmp_path, error):
    _corpus(tmp_path, 9)
    with second_batch_fails(error), pytest.raises(type(error)):
        import_paths([tmp_path], batch_size=4)
    assert Article.objects.count() == 4, "the first batch is committed, the failed one rolled back"
    _consistent()

    report = import_paths([tmp_path], batch_size=4)
    assert (report.created, report.unchanged) == (5, 4)
    assert Article.objects.count() == 9
    _consistent()


def test_the_garbage_collector_is_as_it_was_after_a_run_even_a_failed_one(tmp_path):
    """Imports make Python's collector rare while they run (gc_tuning.rare_collections); a web or
    worker process that runs one gets its own settings back."""
    _corpus(tmp_path, 9)
    before = gc.get_threshold()
    seen = []
    real = write_module.Writer.write

    def spying_write(self, *args, **kwargs):
        seen.append(gc.get_threshold())
        return real(self, *args, **kwargs)

    with mock.patch.object(write_module.Writer, "write", spying_write):
        import_paths([tmp_path], batch_size=4)
    assert seen and all(threshold[0] > before[0] for threshold in seen)
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
    write(tmp_path, "000.md", front_matter(webUrl="https://orbit.example/0", title="Changed"))
    write(tmp_path, "008.md", front_matter(webUrl="https://orbit.example/8", title="Changed"))
    with second_batch_fails(RuntimeError("disk on fire")), pytest.raises(RuntimeError):
        import_paths([tmp_path], batch_size=1)
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_editor_locked_fields_survive_reimport(tmp_path):
    path = write(tmp_path, "a.md", front_matter())
    import_paths([path])
    Article.objects.update(title="Editor's headline", locked_fields=["title"])
    write(tmp_path, "a.md", front_matter(title="Feed headline v2", heat=99))
    report = import_paths([path])
    article = Article.objects.get()
    assert (article.title, article.heat) == ("Editor's headline", 99)
    assert report.kept_fields == 1


@pytest.mark.parametrize("text, problem", [
    ("title: A\ntitle: B\nwebUrl: https://n.example/a\n", "title: given twice (again at line 3)"),
    ("title: A\nwebUrl: https://n.example/a\nimages:\n  - url: https://n.example/i.jpg\n    title: x\n    title: y\n",
     "images[0].title: given twice (again at line 7)"),
    ("title: A\nwebUrl: https://n.example/a\nprovider: {name: X, domain: x.example, name: Y}\n",
     "provider.name: given twice"),
])
def test_a_key_given_twice_is_refused_with_its_name(tmp_path, problem, text):
    """YAML requires unique keys: the file is refused, naming the key, and nothing is stored;
    the other files of the run still import."""
    write(tmp_path, "dup.md", f"---\n{text}---\n")
    write(tmp_path, "good.md", front_matter())
    with pytest.raises(CommandError):
        run_command(tmp_path)
    report = import_paths([tmp_path])
    (path, problems), = report.refused
    assert path.endswith("dup.md") and problem in problems[0] and "YAML requires unique keys" in problems[0]
    assert list(Article.objects.values_list("web_url", flat=True)) == ["https://orbit.example/solar-sails"]
