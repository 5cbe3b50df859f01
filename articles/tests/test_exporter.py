"""The exporter: what was imported comes back out, and export + import rebuilds the site."""

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from articles.exporter import export_article, export_queryset
from articles.importer import discover, import_paths
from articles.importer.parse import split_front_matter
from articles.models import Article

from .importing import front_matter, snapshot, write

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
DATA = Path(__file__).resolve().parent / "data"

pytestmark = pytest.mark.django_db


def load(text):
    """A front-matter text -> (mapping with timestamps as UTC instants, body)."""
    front, body = split_front_matter(text)
    return normalise(yaml.load(front, Loader=yaml.CSafeLoader)), body


def normalise(value):
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc) if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
    return value


def exported(path):
    article = export_queryset().get(source_path=str(path))
    return export_article(article)


def assert_round_trip(path):
    source, source_body = load(Path(path).read_bytes().decode("utf-8"))
    text = exported(path)
    again, body = load(text)
    assert list(again) == list(source), f"{path}: keys differ"
    assert again == source, f"{path}: values differ"
    assert body == source_body.replace("\r\n", "\n"), f"{path}: body differs"


def test_seed_round_trip_gives_back_everything():
    seed = FIXTURES / "000_a5d27d189a612af7.txt"
    import_paths([seed])
    assert_round_trip(seed)


@pytest.mark.parametrize("name", ["video_no_weburl.md", "bom_crlf_unicode.txt"])
def test_round_trip_of_odd_files(name):
    import_paths([DATA / name])
    assert_round_trip(DATA / name)


def test_every_fixture_round_trips():
    """Each file in fixtures/ exports to a mapping equal to its source."""
    files = discover([FIXTURES])
    assert len(files) >= 61
    report = import_paths([FIXTURES])
    assert report.refused == [] and report.created == len(files)
    for path in files:
        assert_round_trip(path)


def test_timestamps_keep_their_zone_and_nulls_stay_null(tmp_path):
    path = write(tmp_path, "a.md", front_matter(publishedDateTime="2026-11-20T08:00:00-05:00", excerpt=None))
    path.write_text(path.read_text().replace("'2026-11-20T08:00:00-05:00'", "2026-11-20T08:00:00-05:00"))
    import_paths([path])
    text = exported(path)
    assert "publishedDateTime: 2026-11-20T08:00:00-05:00\n" in text
    assert "excerpt: null\n" in text
    assert "ampWebUrl: null\n" in text


def test_editor_changes_show_in_the_export(tmp_path):
    path = write(tmp_path, "a.md", front_matter())
    import_paths([path])
    Article.objects.update(title="Edited <title>")
    mapping, _ = load(exported(path))
    assert mapping["title"] == "Edited <title>"


def test_export_then_import_rebuilds_the_same_site(tmp_path):
    """The backup path: export everything, wipe, import the export: same articles, topics, children."""
    import_paths([FIXTURES, DATA])
    before = [row[1:] + ({k: v for k, v in row[0].items() if k in KEPT},) for row in snapshot()]
    call_command("export_articles", str(tmp_path / "backup"), "--no-progress", stdout=StringIO())
    Article.objects.all().delete()
    report = import_paths([tmp_path / "backup"])
    assert report.refused == []
    after = [row[1:] + ({k: v for k, v in row[0].items() if k in KEPT},) for row in snapshot()]
    assert after == before


KEPT = {
    "identity_url", "web_url", "original_url", "amp_url", "cdn_amp_url", "title", "slug", "excerpt",
    "category", "item_type", "published_at", "published_at_offset", "quality", "heat", "is_published",
    "provider_id", "provider_source", "featured_content", "secured", "body", "extra", "source_keys",
}


def test_export_filters(tmp_path):
    write(tmp_path / "in", "a.md", front_matter(topics=["Space"]))
    write(tmp_path / "in", "b.md", front_matter(webUrl="https://orbit.example/b", topics=["Oceans"], published=False))
    write(tmp_path / "in", "c.md", front_matter(
        webUrl="https://c.example/c", provider={"name": "C", "domain": "www.c.example"}, topics=["Space"]))
    import_paths([tmp_path / "in"])

    def run(*args):
        out = tmp_path / f"out{len(list(tmp_path.iterdir()))}"
        call_command("export_articles", str(out), *args, "--no-progress", stdout=StringIO())
        return sorted(load(p.read_text())[0]["webUrl"] for p in out.iterdir())

    assert run("--topic", "space") == ["https://c.example/c", "https://orbit.example/solar-sails"]
    assert run("--provider", "www.c.example") == ["https://c.example/c"]
    assert run("--published-only") == ["https://c.example/c", "https://orbit.example/solar-sails"]
    assert run("--published-only", "--topic", "oceans") == []
    with pytest.raises(CommandError, match="Unknown topic slug"):
        run("--topic", "nope")


@pytest.mark.parametrize("given", [None, []])
def test_null_and_empty_lists_come_back_as_given(tmp_path, given):
    """`images: null` and `images: []` (and topics, related) stay distinct through the command's
    import and export."""
    fresh = lambda: None if given is None else []  # noqa: E731  (one list thrice would dump as a YAML alias)
    write(tmp_path / "in", "a.md", front_matter(images=fresh(), topics=fresh(), related=fresh()))
    call_command("import_articles", str(tmp_path / "in"), "--no-progress", stdout=StringIO(), stderr=StringIO())
    call_command("export_articles", str(tmp_path / "out"), "--no-progress", stdout=StringIO(), stderr=StringIO())
    (exported,) = (tmp_path / "out").iterdir()
    mapping, _ = load(exported.read_text(encoding="utf-8"))
    assert {key: mapping[key] for key in ("topics", "images", "related")} == dict.fromkeys(
        ("topics", "images", "related"), given
    )
