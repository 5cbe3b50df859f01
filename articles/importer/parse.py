"""Front-matter file -> validated record. Pure: no database, safe to run in worker processes.

Every problem becomes a `FileRefused` carrying `key: problem` lines; nothing here
raises anything else for bad input, whatever the bytes are.
"""

import datetime as dt
import hashlib
import os
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import yaml

from articles.domains import normalize_domain
from articles.format import ARTICLE_KEYS, IMAGE_KEYS, RELATED_KEYS, source_keys, to_jsonable
from articles.links import is_http_url
from articles.rendering import render_body
from articles.slugs import invisible_characters, strip_invisible


class YAML_LOADER(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """The safe loader, with values its constructors cannot build (`2020-02-30`, `!!int x`)
    reported as located YAML errors instead of ValueError/AttributeError tracebacks."""

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, TypeError, AttributeError, OverflowError) as exc:
            kind = node.tag.rsplit(":", 1)[-1]
            value = f"{_clip(node.value)!r} " if isinstance(node.value, str) else ""
            raise yaml.constructor.ConstructorError(
                None, None, f"{value}is not a valid {kind} ({exc})", node.start_mark
            ) from None


# Bounds that keep a hostile file from costing more than a normal one.
MAX_DEPTH = 32
MAX_NODES = 50_000

# Database column limits, checked here so a long value is a clear refusal, not a DB error.
MAX_URL = 2000
MAX_TITLE = 1000
MAX_TOPIC = 100
MAX_SHORT = {"category": 100, "type": 50}
MAX_PROVIDER_NAME = 200
MAX_DOMAIN = 253
MAX_INT = 2_147_483_647


class FileRefused(Exception):
    """The file cannot be imported; `problems` are `key: problem` strings."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


@dataclass
class ProviderRecord:
    domain: str
    name: str
    logos: list


@dataclass
class ArticleRecord:
    identity_url: str
    fields: dict  # Article model field -> value
    provider: ProviderRecord
    topics: list  # labels, in file order, one per topic (case-insensitively)
    images: list  # dicts of Image field -> value
    related: list  # dicts of RelatedLink field -> value, with "provider" a ProviderRecord or None
    warnings: list = field(default_factory=list)


@dataclass
class Parsed:
    path: str
    content_hash: str
    record: ArticleRecord


@dataclass
class Unchanged:
    path: str
    content_hash: str


@dataclass
class Refused:
    path: str
    problems: list


def content_hash(data):
    return hashlib.sha256(data).hexdigest()


def read_and_parse(path, *, max_bytes, known_hashes=frozenset()):
    """Read one file and turn it into Parsed, Unchanged or Refused. Never raises for bad input."""
    data = read_source(path, max_bytes=max_bytes)
    if isinstance(data, Refused):
        return data
    digest = content_hash(data)
    if digest in known_hashes:
        return Unchanged(path, digest)
    return parse_source(path, data, digest)


def read_source(path, *, max_bytes):
    """A file's bytes, or Refused when it is over the size limit or cannot be read."""
    try:
        size = os.stat(path).st_size
        if size > max_bytes:
            return Refused(path, [f"file: {size:,} bytes is over the {max_bytes:,}-byte limit (--max-bytes)"])
        with open(path, "rb") as fh:
            # Sized by the stat (a max_bytes-sized read buffer costs an mmap per file); a file
            # that grew since is read on up to the limit.
            data = fh.read(size + 1)
            if len(data) > size:
                data += fh.read(max_bytes + 1 - len(data))
    except OSError as exc:
        return Refused(path, [f"file: cannot be read ({exc.strerror or exc})"])
    if len(data) > max_bytes:  # grew since stat
        return Refused(path, [f"file: over the {max_bytes:,}-byte limit (--max-bytes)"])
    return data


def parse_source(path, data, digest):
    """One file's bytes -> Parsed or Refused. Never raises for bad input."""
    try:
        return Parsed(path, digest, parse_bytes(data))
    except FileRefused as exc:
        return Refused(path, exc.problems)
    except RecursionError:
        return Refused(path, ["file: nested too deeply"])


def parse_bytes(data):
    """Bytes of one front-matter file -> ArticleRecord, or FileRefused."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileRefused(
            [f"file: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})"]
        ) from None
    front, body = split_front_matter(text)
    mapping = load_yaml(front)
    return validate(mapping, body)


def split_front_matter(text):
    """Text -> (YAML text, Markdown body). A BOM and CRLF line endings are fine."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines[0].rstrip(" \t") != "---":
        raise FileRefused([f"file: must start with a line '---' (found {_clip(lines[0])!r})"])
    for index in range(1, len(lines)):
        if lines[index].rstrip(" \t") == "---":
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :])
    raise FileRefused(["file: no closing '---' line after the front matter"])


def load_yaml(front):
    if "\x00" in front:
        raise FileRefused(["front matter: contains a NUL character"])
    try:
        if len(front) > MAX_NODES:  # shorter text cannot hold that many values: each takes 2+ characters
            _check_size(front)
        loader = YAML_LOADER(front)
        try:
            node = loader.get_single_node()
            try:
                mapping = None if node is None else _Builder(front).build(node)
            except _Unusual:
                _check_duplicate_keys(node)
                mapping = loader.construct_document(node)
                _check_structure(mapping)
        finally:
            loader.dispose()
    except yaml.constructor.ConstructorError as exc:
        raise FileRefused([f"front matter: {_yaml_problem(exc)}"]) from None
    except yaml.YAMLError as exc:
        raise FileRefused([f"front matter: invalid YAML ({_yaml_problem(exc)})"]) from None
    if mapping is None:
        raise FileRefused(["front matter: empty"])
    if not isinstance(mapping, dict):
        raise FileRefused([f"front matter: must be a mapping of keys to values, not {_kind(mapping)}"])
    return mapping


class _Unusual(Exception):
    """Not the common case: PyYAML's constructor and _check_structure take over (and word any error)."""


_TAG = "tag:yaml.org,2002:"
_STR, _MAP, _SEQ = _TAG + "str", _TAG + "map", _TAG + "seq"
_SCALARS = {  # tag -> SafeConstructor method name
    _TAG + "int": "construct_yaml_int",
    _TAG + "float": "construct_yaml_float",
    _TAG + "bool": "construct_yaml_bool",
    _TAG + "null": "construct_yaml_null",
    _TAG + "timestamp": "construct_yaml_timestamp",
}


_SCALAR_CONSTRUCTOR = yaml.constructor.SafeConstructor()  # its scalar methods keep no state


class _Builder:
    """Composed YAML nodes -> Python values for the files everyone writes: plain mappings,
    lists, text, numbers, booleans, nulls and timestamps, within the structure limits.

    PyYAML's general constructor costs as much as libyaml's parsing itself, and
    _check_structure walks the result once more; this does both in one walk. Anything else —
    other tags, merge keys, aliased containers, escapes that make invalid text, values that do
    not construct, more than the limits — raises _Unusual, and the general path decides, with
    the same values and the same error messages as before.
    """

    def __init__(self, front):
        self.escapes = "\\" in front  # only an escape can put a NUL or a lone surrogate in a string
        self.aliases = "&" in front  # no anchor, no alias
        self.seen = set()
        self.nodes = 0

    def build(self, node, depth=0):
        self.nodes += 1
        if depth > MAX_DEPTH or self.nodes > MAX_NODES:
            raise _Unusual
        tag = node.tag
        if tag == _STR:
            value = node.value
            if self.escapes:
                _encodable(value)
            return value
        if self.aliases and not isinstance(node, yaml.ScalarNode):
            if id(node) in self.seen:
                raise _Unusual
            self.seen.add(id(node))
        if tag == _MAP:
            mapping = {}
            for key_node, value_node in node.value:
                if key_node.tag != _STR:
                    raise _Unusual
                key = key_node.value
                if self.escapes:
                    _encodable(key)
                if key in mapping:
                    raise _Unusual  # a duplicated key: _check_duplicate_keys names it
                mapping[key] = self.build(value_node, depth + 1)
            return mapping
        if tag == _SEQ:
            return [self.build(item, depth + 1) for item in node.value]
        method = _SCALARS.get(tag)
        if method is None or not isinstance(node, yaml.ScalarNode):
            raise _Unusual
        try:
            value = getattr(_SCALAR_CONSTRUCTOR, method)(node)
        except Exception:
            raise _Unusual from None
        if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
            raise _Unusual
        return value


def _check_duplicate_keys(root):
    """Refuse a mapping that gives a key twice: YAML requires unique keys, and the constructor
    would keep the last value without a word. Walks the composed nodes (each once: aliases)."""
    seen, stack, problems = set(), [(root, "")], []
    while stack:
        node, where = stack.pop()
        if id(node) in seen or isinstance(node, yaml.ScalarNode):
            continue
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend((item, f"{where}[{i}]") for i, item in enumerate(node.value))
            continue
        keys = set()
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _TAG + "merge":
                continue
            key = f"{where}.{key_node.value}" if where else str(key_node.value)
            if key_node.value in keys:
                line = key_node.start_mark.line + 2  # the opening '---' is line 1
                problems.append(f"{_clip(key)}: given twice (again at line {line}); YAML requires unique keys")
            keys.add(key_node.value)
            stack.append((value_node, key))
        if len(problems) >= 10:
            break
    if problems:
        raise FileRefused(sorted(set(problems)))


def _encodable(text):
    if "\x00" in text or _CONTROL.search(text):
        raise _Unusual
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise _Unusual from None


def _check_size(front):
    """Refuse too many values before building them: a file within the size limit can hold enough
    values to cost far more time and memory to compose than to count, and counting stops early."""
    events = 0
    for event in yaml.parse(front, Loader=YAML_LOADER):
        if isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent, yaml.CollectionStartEvent)):
            events += 1
            # A mapping of n values has n keys too: 2 × the cap is past it whatever the shape.
            if events > 2 * MAX_NODES:
                raise FileRefused([f"front matter: more than {MAX_NODES:,} values"])


def _yaml_problem(exc):
    problem = getattr(exc, "problem", None) or str(exc).split("\n")[0]
    mark = getattr(exc, "problem_mark", None)
    where = f" at line {mark.line + 2}, column {mark.column + 1}" if mark is not None else ""
    return f"{problem}{where}"


def _check_structure(root):
    """Refuse aliased containers (YAML bombs), deep nesting, odd scalars and text a database cannot store."""
    seen = set()
    stack = [(root, 0, "front matter")]
    nodes = 0
    while stack:
        node, depth, where = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise FileRefused([f"front matter: more than {MAX_NODES:,} values"])
        if depth > MAX_DEPTH:
            raise FileRefused([f"{where}: nested more than {MAX_DEPTH} levels deep"])
        if isinstance(node, (dict, list)):
            if id(node) in seen:
                raise FileRefused([f"{where}: YAML anchors and aliases are not accepted"])
            seen.add(id(node))
            if isinstance(node, dict):
                for key, value in node.items():
                    if not isinstance(key, str):
                        raise FileRefused([f"{where}: key {key!r} is not text"])
                    _check_text(key, where)
                    stack.append((value, depth + 1, key))
            else:
                stack.extend((value, depth + 1, where) for value in node)
        elif isinstance(node, str):
            _check_text(node, where)
        elif isinstance(node, float) and (node != node or node in (float("inf"), float("-inf"))):
            raise FileRefused([f"{where}: {node} is not a number that can be stored"])
        elif node is None or isinstance(node, (bool, int, float, dt.date)):
            pass
        else:
            raise FileRefused([f"{where}: unsupported YAML value ({_kind(node)})"])


# Control characters XML 1.0 cannot carry: a title with one would break every feed it is in.
_CONTROL = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f]")


def _check_text(text, where, *, controls=False):
    if "\x00" in text:
        raise FileRefused([f"{where}: contains a NUL character"])
    if not controls and (found := _CONTROL.search(text)):
        raise FileRefused([f"{where}: contains a control character (U+{ord(found.group()):04X})"])
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise FileRefused([f"{where}: contains an invalid character (lone surrogate)"]) from None


def _kind(value):
    return {
        dict: "a mapping", list: "a list", str: "text", bool: "a boolean", int: "a number",
        float: "a number", type(None): "null",
    }.get(type(value), type(value).__name__)


class _Checker:
    """Collects every problem in a file rather than stopping at the first."""

    def __init__(self):
        self.problems = []

    def fail(self, key, problem):
        self.problems.append(f"{key}: {problem}")

    def text(self, data, key, *, label=None, required=False, max_length=None):
        label = label or key
        if key not in data or data[key] is None:
            if required:
                self.fail(label, "is required" if key not in data else "must not be null")
            return None
        value = data[key]
        if not isinstance(value, str):
            self.fail(label, f"must be text, not {_kind(value)}")
            return None
        if required and not value.strip():
            self.fail(label, "must not be empty")
            return None
        if max_length and len(value) > max_length:
            self.fail(label, f"is {len(value):,} characters; at most {max_length:,} are allowed")
            return None
        return value

    def url(self, data, key, *, label=None):
        label = label or key
        value = self.text(data, key, label=label, max_length=MAX_URL)
        if value is None:
            return None
        # Stored as given, so surrounding spaces are refused rather than ignored.
        if value.strip() != value or not is_http_url(value):
            self.fail(label, f"{_clip(value)!r} is not an http(s) URL")
            return None
        return value

    def integer(self, data, key, *, label=None):
        label = label or key
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(label, f"must be a whole number, not {_kind(value)} {_clip(repr(value))}")
            return None
        if value < 0:
            self.fail(label, f"must be 0 or more, not {value}")
            return None
        if value > MAX_INT:
            self.fail(label, f"{value} is too large")
            return None
        return value

    def boolean(self, data, key, *, label=None):
        value = data.get(key)
        if value is None or isinstance(value, bool):
            return value
        self.fail(label or key, f"must be true or false, not {_kind(value)} {_clip(repr(value))}")
        return None

    def timestamp(self, data, key, *, label=None):
        """-> (aware datetime, UTC offset in minutes or None)."""
        label = label or key
        value = data.get(key)
        if value is None:
            return None, None
        if isinstance(value, str):
            from django.utils.dateparse import parse_datetime

            try:
                parsed = parse_datetime(value.strip())
            except ValueError:
                parsed = None
            if parsed is None:
                self.fail(label, f"{_clip(value)!r} is not a timestamp such as 2020-06-09T18:02:00Z")
                return None, None
            value = parsed
        elif isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            value = dt.datetime(value.year, value.month, value.day)
        elif not isinstance(value, dt.datetime):
            self.fail(label, f"must be a timestamp, not {_kind(value)}")
            return None, None
        if value.tzinfo is None or value.utcoffset() is None:
            return value.replace(tzinfo=dt.timezone.utc), None
        try:
            # Stored in UTC: 0001-01-01T00:00:00+05:00 would fall before year 1 and break every read.
            value.astimezone(dt.timezone.utc)
        except OverflowError:
            self.fail(label, f"{value.isoformat()} is outside the years 1 to 9999 in UTC")
            return None, None
        return value, int(value.utcoffset().total_seconds() // 60)

    def mapping(self, data, key, *, label=None):
        value = data.get(key)
        if value is None or isinstance(value, dict):
            return value
        self.fail(label or key, f"must be a mapping, not {_kind(value)}")
        return None

    def items(self, data, key, *, label=None):
        """A list of mappings (images, related)."""
        label = label or key
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(label, f"must be a list, not {_kind(value)}")
            return []
        good = []
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                self.fail(f"{label}[{index}]", f"must be a mapping, not {_kind(item)}")
            else:
                good.append(item)
        return good


def _clip(text, limit=60):
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def validate(data, body=""):
    """A loaded front-matter mapping -> ArticleRecord, or FileRefused listing every problem."""
    check = _Checker()
    f = {}
    f["title"] = check.text(data, "title", required=True, max_length=MAX_TITLE)
    f["web_url"] = check.url(data, "webUrl")
    f["original_url"] = check.url(data, "originalUrl")
    f["amp_url"] = check.url(data, "ampWebUrl")
    f["cdn_amp_url"] = check.url(data, "cdnAmpWebUrl")
    f["excerpt"] = check.text(data, "excerpt")
    f["category"] = check.text(data, "category", max_length=MAX_SHORT["category"])
    f["item_type"] = check.text(data, "type", max_length=MAX_SHORT["type"])
    f["published_at"], f["published_at_offset"] = check.timestamp(data, "publishedDateTime")
    f["quality"] = check.integer(data, "quality")
    f["heat"] = check.integer(data, "heat")
    f["is_published"] = bool(check.boolean(data, "published"))
    f["featured_content"] = check.text(data, "featuredContent")
    f["secured"] = check.text(data, "secured")
    f["body"] = body
    _check_text(body, "body", controls=True)  # a body is never in a feed

    identity = f["web_url"] or f["original_url"]
    if identity is None and not any(k in data and data[k] is not None for k in ("webUrl", "originalUrl")):
        check.fail("webUrl", "missing, and there is no originalUrl to identify the item")

    provider_data = check.mapping(data, "provider")
    provider = _provider(check, provider_data, "provider", fallback_url=identity)
    topics, topic_warnings = _topics(check, data)
    images = [_image(check, item, f"images[{i}]") for i, item in enumerate(check.items(data, "images"))]
    related = [_related(check, item, f"related[{i}]") for i, item in enumerate(check.items(data, "related"))]

    if provider is None and not check.problems:
        # e.g. webUrl 'http://./' with no provider mapping: nothing names the publisher.
        check.fail("provider.domain", "missing, and the article's URL has no host name to use instead")
    if check.problems:
        raise FileRefused(check.problems)

    rendered = render_body(body)  # here, in the parse workers: no request renders Markdown
    f["body_html"] = rendered.html
    if rendered.fell_back:
        topic_warnings.append(f"body: {rendered.problem}; shown as plain text")
    f["provider_source"] = to_jsonable(provider_data) if provider_data is not None else None
    f["extra"] = {key: to_jsonable(value) for key, value in data.items() if key not in ARTICLE_KEYS}
    f["source_keys"] = source_keys(data)
    return ArticleRecord(
        identity_url=identity,
        fields=f,
        provider=provider,
        topics=topics,
        images=images,
        related=related,
        warnings=topic_warnings,
    )


def _provider(check, data, label, *, fallback_url=None):
    """A provider mapping -> ProviderRecord. Without one, the article's own host names the publisher."""
    data = data or {}
    name = check.text(data, "name", label=f"{label}.name", max_length=MAX_PROVIDER_NAME)
    domain = check.text(data, "domain", label=f"{label}.domain", max_length=MAX_DOMAIN)
    logos = [
        _image(check, item, f"{label}.images[{i}]", as_json=True)
        for i, item in enumerate(check.items(data, "images", label=f"{label}.images"))
    ]
    if domain is not None:
        domain = normalize_domain(domain)
        if not domain or any(c.isspace() or c in "/:?#@" for c in domain):
            check.fail(f"{label}.domain", f"{_clip(data['domain'])!r} is not a domain name")
            return None
    elif fallback_url:
        domain = normalize_domain(urlsplit(fallback_url).hostname or "")
    if invisible_characters(domain or ""):
        # U+202E would show "evil.example" reversed; a domain never needs such characters.
        check.fail(f"{label}.domain", f"{_clip(domain)!r} contains invisible or direction-changing characters "
                   f"({', '.join(invisible_characters(domain))})")
        return None
    if not domain:
        return None
    return ProviderRecord(domain=domain, name=(name or "").strip() or domain, logos=logos)


def _topics(check, data):
    value = data.get("topics")
    if value is None:
        return [], []
    if not isinstance(value, list):
        check.fail("topics", f"must be a list of text, not {_kind(value)}")
        return [], []
    topics, seen, warnings = [], {}, []
    for index, label in enumerate(value):
        if not isinstance(label, str) or not strip_invisible(label).strip():
            check.fail(f"topics[{index}]", f"must be non-empty text, not {_kind(label)} {_clip(repr(label))}")
            continue
        if len(label) > MAX_TOPIC:
            check.fail(f"topics[{index}]", f"is {len(label)} characters; at most {MAX_TOPIC} are allowed")
            continue
        key = label.strip().casefold()
        if key in seen:
            warnings.append(f"topics[{index}]: {label!r} is the topic {seen[key]!r} again; kept once")
            continue
        seen[key] = label
        topics.append(label)
    return topics, warnings


def _image(check, data, label, *, as_json=False):
    if as_json:
        # Provider logos are kept as given, after their URLs are checked.
        check.url(data, "url", label=f"{label}.url")
        return to_jsonable(data)
    image = {
        "url": check.url(data, "url", label=f"{label}.url"),
        "width": check.integer(data, "width", label=f"{label}.width"),
        "height": check.integer(data, "height", label=f"{label}.height"),
        "is_cached": check.boolean(data, "isCached", label=f"{label}.isCached"),
        "title": check.text(data, "title", label=f"{label}.title", max_length=MAX_TITLE),
        "extra": {k: to_jsonable(v) for k, v in data.items() if k not in IMAGE_KEYS},
        "source_keys": list(data.keys()),
    }
    return image


def _related(check, data, label):
    published_at, offset = check.timestamp(data, "publishedDateTime", label=f"{label}.publishedDateTime")
    provider_data = check.mapping(data, "provider", label=f"{label}.provider")
    images = check.items(data, "images", label=f"{label}.images")
    for i, item in enumerate(images):
        check.url(item, "url", label=f"{label}.images[{i}].url")
        for key in ("width", "height"):
            check.integer(item, key, label=f"{label}.images[{i}].{key}")
    web_url = check.url(data, "webUrl", label=f"{label}.webUrl")
    return {
        "title": check.text(data, "title", label=f"{label}.title", max_length=MAX_TITLE),
        "excerpt": check.text(data, "excerpt", label=f"{label}.excerpt"),
        "published_at": published_at,
        "published_at_offset": offset,
        "web_url": web_url,
        "amp_url": check.url(data, "ampWebUrl", label=f"{label}.ampWebUrl"),
        "cdn_amp_url": check.url(data, "cdnAmpWebUrl", label=f"{label}.cdnAmpWebUrl"),
        "item_type": check.text(data, "type", label=f"{label}.type", max_length=MAX_SHORT["type"]),
        "quality": check.integer(data, "quality", label=f"{label}.quality"),
        "provider": (
            _provider(check, provider_data, f"{label}.provider", fallback_url=web_url)
            if provider_data is not None
            else None
        ),
        "provider_source": to_jsonable(data.get("provider")),
        "images": to_jsonable(data.get("images")),
        "extra": {k: to_jsonable(v) for k, v in data.items() if k not in RELATED_KEYS},
        "source_keys": list(data.keys()),
    }
