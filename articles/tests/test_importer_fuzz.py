"""The importer under generated and mutated input: every file is imported whole or refused by name.

Two generators (Hypothesis front matter; byte mutations of the sample files) each write
thousands of files, then one import_paths call takes the lot. Reproducible: Hypothesis is
derandomized and the mutations use a seeded random.Random. Figures: docs/reliability.md.
"""

import copy
import datetime as dt
import faulthandler
import random
import time
import tracemalloc
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.importer import import_paths
from articles.importer.parse import ARTICLE_KEYS, Parsed, Refused, Unchanged, read_and_parse
from articles.importer.run import discover
from articles.models import Article, Provider

from .importing import front_matter, snapshot, write
from .robustness import articles_with_children, duplicates, mismatches

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = sorted((ROOT / "fixtures").glob("*.txt")) + sorted((Path(__file__).parent / "data").iterdir())

HYPOTHESIS_FILES = 4_000
MUTATED_FILES = 6_000
MAX_BYTES = 1024 * 1024  # the import default (NEWSROOM_IMPORT_MAX_BYTES)
# Generous bounds per file: a normal file takes about a millisecond and well under 1 MB.
MAX_SECONDS_PER_FILE = 1.0
MAX_PEAK_BYTES_PER_FILE = 50 * 1024 * 1024
HANG_GUARD_SECONDS = 600  # a hang dumps every thread's stack and ends the run instead of stalling CI

# Measured maxima, reported by the tests' output (pytest -s) and recorded in docs/reliability.md.
FIGURES = {}


# -- articles other files own --------------------------------------------------------------

OWNED = [
    front_matter(
        webUrl=f"https://owned.example/{i}", title=f"Owned story {i}", topics=["Owned", f"Owned {i}"],
        provider={"name": "Owned", "domain": "owned.example"},
    )
    for i in range(8)
]


@pytest.fixture
def owned(tmp_path):
    """Articles imported before the fuzzed files, from identities no fuzzed file is meant to use."""
    report = import_paths([write(tmp_path / "owned", f"{i}.md", text) for i, text in enumerate(OWNED)], workers=1)
    assert report.created == len(OWNED)
    return {row[0]["identity_url"]: row for row in snapshot()}


# -- measuring parse.read_and_parse ------------------------------------------------------


class ParseMeter:
    """Time and peak traced memory of read_and_parse, per file; keeps the maxima."""

    def __init__(self):
        self.files = 0
        self.max_seconds = (0.0, None)
        self.max_peak = (0, None)

    def __enter__(self):
        faulthandler.dump_traceback_later(HANG_GUARD_SECONDS, exit=True)
        return self

    def __exit__(self, *exc):
        faulthandler.cancel_dump_traceback_later()

    def parse(self, path):
        tracemalloc.start()
        try:
            started = time.perf_counter()
            result = read_and_parse(path, max_bytes=MAX_BYTES)  # never raises: a traceback fails the test
            seconds = time.perf_counter() - started
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        if seconds > MAX_SECONDS_PER_FILE / 10:
            # Tracing slows allocation-heavy input up to tenfold: time such files again, untraced.
            started = time.perf_counter()
            read_and_parse(path, max_bytes=MAX_BYTES)
            seconds = time.perf_counter() - started
        self.files += 1
        self.max_seconds = max(self.max_seconds, (seconds, path.name))
        self.max_peak = max(self.max_peak, (peak, path.name))
        assert seconds < MAX_SECONDS_PER_FILE, f"{path}: parsing took {seconds:.2f}s"
        assert peak < MAX_PEAK_BYTES_PER_FILE, f"{path}: parsing peaked at {peak:,} bytes"
        assert isinstance(result, (Parsed, Refused, Unchanged))
        return result

    def record(self, name):
        FIGURES[name] = {
            "files": self.files,
            "max_seconds": round(self.max_seconds[0], 4),
            "slowest": self.max_seconds[1],
            "max_peak_bytes": self.max_peak[0],
            "largest": self.max_peak[1],
        }
        print(f"\n{name}: {FIGURES[name]}")


# -- checking one big import -----------------------------------------------------------


def check_import(directory, owned_rows):
    """Import every file under `directory` in one call and check each file's fate."""
    files = discover([directory])
    before = Article.objects.count()
    stored_hashes = set(Article.objects.values_list("content_hash", flat=True))
    started = time.perf_counter()
    report = import_paths([directory], workers=1)  # raising here is itself a failure
    elapsed = time.perf_counter() - started

    outcomes = {}
    for path, outcome, detail in report.outcomes:
        assert path not in outcomes, f"{path} reported twice"
        outcomes[path] = (outcome, detail)
    assert sorted(outcomes) == sorted(files), "every file ends with exactly one outcome"
    for path, problems in report.refused:
        assert problems and all(problem.strip() for problem in problems), path
        for problem in problems:
            assert "Traceback" not in problem and "\n" not in problem, f"{path}: {problem!r}"
    for path, (outcome, detail) in outcomes.items():
        assert outcome in ("created", "updated", "unchanged", "refused", "skipped"), (path, outcome)
        if outcome == "skipped":
            assert "later in this run" in detail

    # The last importable file with an identity is what is stored, whole; earlier ones lost to it.
    # A file byte for byte like an article stored before the run is "unchanged" and not written.
    winners, unchanged = {}, {}
    for path in files:
        if outcomes[path][0] != "refused":
            result = read_and_parse(path, max_bytes=MAX_BYTES)
            assert isinstance(result, Parsed), f"{path}: reported {outcomes[path][0]}, but parses as {result}"
            if outcomes[path][0] == "unchanged":
                assert result.content_hash in stored_hashes, path
                unchanged[result.record.identity_url] = result
            else:
                winners[result.record.identity_url] = result
    # Known limit (docs/reliability.md): an unchanged file after a changed one of the same identity
    # does not win back, because "unchanged" is decided against the hashes stored when the run began.
    FIGURES.setdefault("unchanged_after_change", 0)
    FIGURES["unchanged_after_change"] += sum(
        1 for identity, parsed in unchanged.items()
        if identity in winners and files.index(parsed.path) > files.index(winners[identity].path)
    )
    stored = {a.identity_url: a for a in articles_with_children()}
    for identity, parsed in winners.items():
        assert identity in stored, f"{parsed.path}: imported, but nothing is stored for {identity}"
        assert mismatches(stored[identity], parsed) == [], parsed.path

    # Nothing a fuzzed file did not name was touched; nothing was half-created.
    now = {row[0]["identity_url"]: row for row in snapshot()}
    for identity, row in owned_rows.items():
        if identity not in winners:
            assert now[identity] == row, f"{identity} changed though no imported file has its identity"
    assert set(stored) == set(owned_rows) | set(winners)
    assert Article.objects.count() == before + len(set(winners) - set(owned_rows))
    assert duplicates() == []
    counts = {
        o: sum(1 for out, _ in outcomes.values() if out == o) for o in ("created", "updated", "unchanged", "skipped", "refused")
    }
    return counts, elapsed


# -- Hypothesis: arbitrary front matter ------------------------------------------------

# Plausible values of each key: most files built only from these import.
# Text an importable file may hold: not NUL, nor the control characters XML cannot carry (the
# parser refuses those in any field but the body; `any_text` still tries them).
plain_text = st.text(st.characters(
    exclude_categories=("Cs",), exclude_characters="\x00" + "".join(map(chr, [*range(1, 9), 11, 12, *range(14, 32)])),
), max_size=30)
hosts = st.sampled_from(["example.com", "www.Example.com.", "xn--e1afmkfd.xn--p1ai", "日本.example", "a.example:8080"])
good_urls = st.builds("{}://{}/{}".format, st.sampled_from(["http", "https", "HTTPS"]), hosts, st.text(max_size=10))
good_times = st.datetimes(
    min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 1, 1),
    timezones=st.none() | st.builds(dt.timezone, st.timedeltas(-dt.timedelta(hours=14), dt.timedelta(hours=14))),
)
good_counts = st.integers(min_value=0, max_value=2**31 - 1)
good_image = st.fixed_dictionaries({"url": good_urls}, optional={
    "width": good_counts, "height": good_counts, "isCached": st.booleans(), "title": st.none() | plain_text,
})
good_provider = st.fixed_dictionaries({"name": plain_text, "domain": hosts}, optional={"images": st.lists(good_image, max_size=1)})
VALID = {
    "title": plain_text.filter(str.strip), "excerpt": plain_text, "category": plain_text, "type": plain_text,
    "featuredContent": plain_text, "secured": plain_text, "webUrl": good_urls, "originalUrl": good_urls,
    "ampWebUrl": st.none() | good_urls, "cdnAmpWebUrl": st.none() | good_urls,
    "publishedDateTime": good_times, "quality": good_counts, "heat": good_counts, "published": st.booleans(),
    "provider": good_provider, "topics": st.lists(plain_text.filter(str.strip).map(lambda t: t[:100]), max_size=3),
    "images": st.lists(good_image, max_size=2),
    "related": st.lists(st.fixed_dictionaries({}, optional={
        "title": plain_text, "webUrl": good_urls, "publishedDateTime": good_times, "quality": good_counts,
        "provider": good_provider, "images": st.lists(good_image, max_size=1),
    }), max_size=2),
}
assert set(VALID) == set(ARTICLE_KEYS)  # every key FORMAT.md lists

# Arbitrary values: text with NUL and lone surrogates, huge and negative numbers, floats
# (nan, inf), booleans, nested lists and mappings, extreme timestamps, URLs of many schemes.
any_text = st.text(st.characters(codec=None), max_size=12) | st.sampled_from(
    ["", " ", "\x00", "\ud800", "<b>&amp;</b>", "x" * 2001, "日本🚀", "\u2028", "null", "~"]
)
any_url = st.builds(
    "{}://{}/{}".format,
    st.sampled_from(["http", "https", "ftp", "javascript", "data", "file", "mailto", "ws", "", "http+unix"]),
    st.sampled_from(["example.com", "[::1]", "[bad", "", ".", "a:99999", "user@host", "\x00"]), st.text(max_size=5),
) | st.sampled_from(["javascript:alert(1)", "//example.com/x", "http:/x", " http://example.com/"])
any_time = st.datetimes(
    min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31, 23, 59),
    timezones=st.none() | st.builds(dt.timezone, st.timedeltas(-dt.timedelta(hours=23, minutes=59), dt.timedelta(hours=23, minutes=59))),
) | st.dates()
scalars = (
    st.none() | st.booleans() | any_text | st.integers() | st.sampled_from([-1, 2**31, 2**63, 10**30, -(2**70)])
    | st.floats() | any_time | any_url
)
anything = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(any_text, inner, max_size=3), max_leaves=6)
# A key of FORMAT.md (or an unknown key), with a value of any type, at the top level or one level down.
KEY_PATHS = [(key,) for key in ARTICLE_KEYS] + [("unknownKey",), ("",)] + [
    ("provider", k) for k in ("name", "domain", "images")
] + [("images", 0, k) for k in ("url", "width", "height", "isCached", "title")] + [
    ("related", 0, k) for k in ("title", "webUrl", "publishedDateTime", "provider", "quality", "images", "type")
]
variant = st.tuples(st.sampled_from(KEY_PATHS), anything)
base_mapping = st.fixed_dictionaries(
    {"title": VALID["title"], "webUrl": st.just("https://fuzz.example/")},
    optional={key: value for key, value in VALID.items() if key not in ("title", "webUrl")},
)
VARIANTS_PER_EXAMPLE = 3


def _with(mapping, key_path, value):
    """A copy of `mapping` with one value replaced, creating the containers on the way."""
    mapping = copy.deepcopy(mapping)
    node = mapping
    for step, nxt in zip(key_path, key_path[1:]):
        if isinstance(node, list):
            while len(node) <= step:
                node.append({})
            node = node[step]
            continue
        if not isinstance(node.get(step), (dict, list)):
            node[step] = [] if isinstance(nxt, int) else {}
        node = node[step]
    if isinstance(node, list):
        node.append(value)
    else:
        node[key_path[-1]] = value
    return mapping


def _dump(mapping, body, *, unicode, flow, crlf, bom):
    """A front-matter file as feeds write them."""
    options = {"allow_unicode": unicode, "default_flow_style": flow, "sort_keys": False, "width": 10_000}
    try:
        text = yaml.dump(mapping, Dumper=yaml.CSafeDumper, **options)
    except UnicodeEncodeError:  # libyaml cannot write a lone surrogate; the pure-Python dumper escapes it
        text = yaml.dump(mapping, Dumper=yaml.SafeDumper, **options)
    text = f"---\n{text}---\n{body}"
    if crlf:
        text = text.replace("\n", "\r\n")
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8", "surrogatepass")


def test_generated_front_matter_is_imported_whole_or_refused_by_name(tmp_path, owned):
    """Thousands of Hypothesis front-matter files: no traceback, no partial write, owned articles kept."""
    directory = tmp_path / "generated"
    directory.mkdir()
    examples = HYPOTHESIS_FILES // (1 + VARIANTS_PER_EXAMPLE)

    @settings(max_examples=examples, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(
        mapping=base_mapping,
        variants=st.lists(variant, min_size=VARIANTS_PER_EXAMPLE, max_size=VARIANTS_PER_EXAMPLE),
        body=st.text(max_size=20), unicode=st.booleans(), flow=st.none() | st.booleans(), crlf=st.booleans(),
        bom=st.booleans(), identity=st.sampled_from(["new"] * 6 + ["shared", "owned"]),
    )
    def generate(mapping, variants, body, unicode, flow, crlf, bom, identity):
        # Mostly new identities; some shared with other generated files, some an owned article's.
        mapping["webUrl"] = {
            "new": f"https://fuzz.example/{meter.files}", "shared": f"https://fuzz.example/{meter.files % 50}",
            "owned": "https://owned.example/0",
        }[identity]
        for index, content in enumerate([mapping, *(_with(mapping, *v) for v in variants)]):
            if index:  # each variant is its own identity unless it changes webUrl itself
                content.setdefault("webUrl", "")
                if content["webUrl"] == mapping["webUrl"] and identity == "new":
                    content["webUrl"] += f"-{index}"
            path = directory / f"{meter.files:05d}.md"
            path.write_bytes(_dump(content, body, unicode=unicode, flow=flow, crlf=crlf, bom=bom))
            meter.parse(path)

    with ParseMeter() as meter:
        generate()
    meter.record("hypothesis")
    assert meter.files >= HYPOTHESIS_FILES * 0.95, "Hypothesis ran (nearly) every example asked for"

    counts, elapsed = check_import(directory, owned)
    FIGURES["hypothesis"].update(counts, import_seconds=round(elapsed, 2))
    print(FIGURES["hypothesis"])
    # The generator is not only producing refusals: both fates are well represented.
    assert counts["created"] > meter.files / 10 and counts["refused"] > meter.files / 10


# -- byte mutations of the sample files --------------------------------------------------


def _mutate(data, rng):
    """One to four random edits of the kinds real breakage produces."""
    for _ in range(rng.randint(1, 4)):
        kind = rng.randrange(10)
        at = rng.randrange(len(data) + 1)
        if kind == 0 and data:  # flip bits of one byte
            at = min(at, len(data) - 1)
            data = data[:at] + bytes([data[at] ^ (1 << rng.randrange(8))]) + data[at + 1 :]
        elif kind == 1:  # insert random bytes
            data = data[:at] + rng.randbytes(rng.randint(1, 4)) + data[at:]
        elif kind == 2:  # delete a run of bytes
            data = data[:at] + data[at + rng.randint(1, 16) :]
        elif kind == 3:  # truncate
            data = data[:at]
        elif kind == 4:  # duplicate, drop or reorder lines
            lines = data.split(b"\n")
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            choice = rng.randrange(3)
            if choice == 0:
                lines.insert(i, lines[j])
            elif choice == 1:
                del lines[i]
            else:
                lines[i], lines[j] = lines[j], lines[i]
            data = b"\n".join(lines)
        elif kind == 5:  # move, double or drop a '---'
            lines = data.split(b"\n")
            dashes = [i for i, line in enumerate(lines) if line.strip() == b"---"]
            if dashes:
                i = rng.choice(dashes)
                action = rng.randrange(3)
                if action == 0:
                    del lines[i]
                elif action == 1:
                    lines.insert(rng.randrange(len(lines) + 1), b"---")
                else:
                    lines[i] = rng.choice([b"--", b"----", b"--- ", b" ---", b"...", b"---\r"])
            data = b"\n".join(lines)
        elif kind == 6:  # line endings and byte-order marks
            data = rng.choice([
                lambda d: d.replace(b"\n", b"\r\n"), lambda d: d.replace(b"\r\n", b"\n"),
                lambda d: d.replace(b"\n", b"\r"), lambda d: b"\xef\xbb\xbf" + d,
                lambda d: d.replace(b"\xef\xbb\xbf", b""), lambda d: b"\xff\xfe" + d,
            ])(data)
        elif kind == 7:  # YAML-significant characters
            chunk = "".join(rng.choice("&*!|>{}[]:-?#%@`'\",\t ") for _ in range(rng.randint(1, 3)))
            data = data[:at] + chunk.encode() + data[at:]
        elif kind == 8:  # a value replaced by something of another type
            lines = data.split(b"\n")
            i = rng.randrange(len(lines))
            if b":" in lines[i]:
                key = lines[i].split(b":", 1)[0]
                lines[i] = key + b": " + rng.choice([
                    b"[]", b"{}", b"null", b"-1", b"99999999999999999999", b"1.5e400", b".nan", b"hot",
                    b"javascript:alert(1)", b"2020-02-30T00:00:00Z", b"0001-01-01T00:00:00+14:00",
                    b"!!binary aGk=", b"!!int x", b"!!float x", b"!!timestamp x", b"&a [*a]", b"*nope",
                    b"'http://[::1'", b"'http://./'", b"\"\\0\"", b"\"\\ud800\"", b"!!python/name:os.system",
                ])
            data = b"\n".join(lines)
        else:  # unicode where ASCII was
            data = data[:at] + rng.choice(["é", "日本", "🚀", "\u200b", "\ufeff", "\u2028"]).encode() + data[at:]
    return data


# Shapes at the size limit that cost the most to parse or to check.
def _worst_cases():
    limit = MAX_BYTES - 200
    head = "---\ntitle: x\nwebUrl: https://worst.example/{}\n"
    yield "many-items", head.format(1) + "extra:\n" + "- a\n" * (limit // 4) + "---\n"
    yield "many-ints", head.format(2) + "extra: [" + "1," * (limit // 2) + "]\n---\n"
    yield "many-keys", head.format(3) + "".join(f"k{i}: {i}\n" for i in range(limit // 16)) + "---\n"
    yield "deep", head.format(4) + "extra: " + "[" * 5_000 + "]" * 5_000 + "\n---\n"
    yield "long-title", head.format(5).replace("title: x", "title: " + "x" * (limit - 100)) + "---\n"
    yield "long-body", head.format(6) + "---\n" + "body line\n" * (limit // 10)
    yield "many-topics", head.format(7) + "topics:\n" + "".join(f"- t{i}\n" for i in range(limit // 10)) + "---\n"
    yield "no-closing", "---\n" + "title: x\n" * (limit // 9)
    yield "alias-fanout", head.format(8) + "a: &a [" + "x," * 1000 + "]\nb: [" + "*a," * (limit // 4) + "]\n---\n"


def test_mutated_sample_files_are_imported_whole_or_refused_by_name(tmp_path, owned):
    """Thousands of byte-mutated sample files, plus worst-case shapes at the size limit."""
    rng = random.Random(20261126)
    samples = [path.read_bytes() for path in SAMPLES] + [
        front_matter(webUrl="https://fuzz.example/base").encode(),
        OWNED[0].encode(),  # mutations that keep its identity take an owned article over
    ]
    directory = tmp_path / "mutated"
    directory.mkdir()
    with ParseMeter() as meter:
        for i in range(MUTATED_FILES):
            path = directory / f"{i:05d}{rng.choice(['.md', '.txt', '.markdown'])}"
            path.write_bytes(_mutate(rng.choice(samples), rng))
            meter.parse(path)
        for name, text in _worst_cases():
            path = directory / f"worst-{name}.md"
            path.write_bytes(text.encode())
            meter.parse(path)
    meter.record("mutation")

    counts, elapsed = check_import(directory, owned)
    FIGURES["mutation"].update(counts, import_seconds=round(elapsed, 2))
    print(FIGURES["mutation"], "unchanged after a change:", FIGURES["unchanged_after_change"])
    assert counts["created"] + counts["updated"] + counts["skipped"] > MUTATED_FILES / 10
    assert counts["refused"] > MUTATED_FILES / 10


# -- what the fuzzing found, pinned ----------------------------------------------------

FOUND = {
    "impossible-date": ("publishedDateTime: 2020-02-30T00:00:00Z", "'2020-02-30T00:00:00Z' is not a valid timestamp"),
    "int-tag": ("extra: !!int x", "'x' is not a valid int"),
    "seconds-offset": ("extra: !!timestamp '1912-01-01 00:00:00-00:16:08'", "is not a valid timestamp"),
    "offset-over-a-day": ("extra: 2020-01-01T00:00:00+99:00", "is not a valid timestamp"),
    "year-one-east-of-utc": ("publishedDateTime: 0001-01-01T00:00:00+05:00", "outside the years 1 to 9999 in UTC"),
    "year-9999-west-of-utc": ("publishedDateTime: 9999-12-31T23:00:00-05:00", "outside the years 1 to 9999 in UTC"),
    "unclosed-ipv6": ("ampWebUrl: 'http://[::1/x'", "ampWebUrl: 'http://[::1/x' is not an http(s) URL"),
    "no-host-to-name-publisher": ("webUrl: 'http://./x'\nprovider: null", "provider.domain: missing"),
    "many-values": ("extra: [" + "1," * 500_000 + "]", "more than 50,000 values"),
}


@pytest.mark.parametrize("name", FOUND)
def test_inputs_the_fuzzing_found_are_refused_by_name(tmp_path, name):
    """Each used to end the whole run with a traceback (or cost seconds); now: a clear refusal."""
    line, problem = FOUND[name]
    text = front_matter(drop=["provider"] if "provider" in line else ())
    key = line.split(":", 1)[0]
    text = "\n".join(l for l in text.split("\n") if not l.startswith(f"{key}:")).replace("---\n", f"---\n{line}\n", 1)
    bad = write(tmp_path, "bad.md", text)
    write(tmp_path, "good.md", front_matter(webUrl="https://orbit.example/good"))
    started = time.perf_counter()
    report = import_paths([tmp_path], workers=1)
    assert time.perf_counter() - started < 3, "refused quickly"
    assert [path for path, _ in report.refused] == [str(bad)]
    assert any(problem in p for p in report.refused[0][1]), report.refused
    assert list(Article.objects.values_list("web_url", flat=True)) == ["https://orbit.example/good"]


def test_providers_whose_domains_slugify_alike_are_two_providers(tmp_path):
    """news.example and newsexample used to collide on the slug and abort the run."""
    write(tmp_path, "a.md", front_matter(provider={"name": "Dotted", "domain": "news.example"}))
    write(tmp_path, "b.md", front_matter(webUrl="https://orbit.example/b", provider={"name": "Plain", "domain": "newsexample"}))
    report = import_paths([tmp_path], workers=1)
    assert (report.created, report.refused) == (2, [])
    providers = dict(Provider.objects.filter(name__in=["Dotted", "Plain"]).values_list("domain", "slug"))
    assert providers == {"news.example": "newsexample", "newsexample": "newsexample-2"}
    assert Article.objects.get(web_url="https://orbit.example/b").provider.domain == "newsexample"
