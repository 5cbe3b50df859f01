"""Helpers for importer and exporter tests: write front-matter files, snapshot stored rows."""

import contextlib
import copy
from unittest import mock

import yaml

from articles.importer import write as write_module
from articles.models import Article

BASE = {
    "category": "news",
    "title": "Solar sails pass their first deep-space test",
    "excerpt": "A small probe unfurled a sail the size of a tennis court.",
    "publishedDateTime": "2026-11-20T08:00:00Z",
    "webUrl": "https://orbit.example/solar-sails",
    "ampWebUrl": None,
    "type": "article",
    "quality": 55,
    "heat": 70,
    "published": True,
    "provider": {"name": "Orbit Weekly", "domain": "orbit.example"},
    "topics": ["Space", "Engineering"],
    "images": [{"url": "https://orbit.example/sail.jpg", "width": 800, "height": 450, "isCached": True}],
    "related": [
        {
            "title": "Sail deploys",
            "webUrl": "https://other.example/sail",
            "provider": {"name": "Other", "domain": "other.example"},
        }
    ],
}


def front_matter(body="\n", **changes):
    """Front-matter text built from BASE with keys changed (None deletes a key: use drop=...)."""
    data = copy.deepcopy(BASE)
    for key in changes.pop("drop", ()):
        data.pop(key, None)
    data.update(changes)
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    # BASE holds the timestamp as text; make it a real YAML timestamp as feeds write it.
    text = text.replace("'2026-11-20T08:00:00Z'", "2026-11-20T08:00:00Z")
    return f"---\n{text}---\n{body}"


def write(directory, name, content):
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def snapshot():
    """Everything stored about every article, to prove a run changed nothing."""
    rows = []
    for article in Article.objects.order_by("identity_url").prefetch_related(
        "images", "related_links", "topic_links__tag"
    ):
        fields = {f.attname: getattr(article, f.attname) for f in Article._meta.concrete_fields}
        rows.append(
            (
                fields,
                [(i.position, i.url, i.width, i.height, i.title) for i in article.images.all()],
                [(r.position, r.title, r.web_url, r.provider_id) for r in article.related_links.all()],
                sorted((t.position, t.label, t.tag.name) for t in article.topic_links.all()),
            )
        )
    return rows


@contextlib.contextmanager
def second_batch_fails(error):
    """The importer's second batch raises `error` while writing (the first one is committed)."""
    real = write_module.Writer._replace_children
    calls = {"n": 0}

    def failing(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise error
        return real(self, *args, **kwargs)

    with mock.patch.object(write_module.Writer, "_replace_children", failing):
        yield
