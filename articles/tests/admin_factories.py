"""Small builders the admin tests share: articles in the database and front-matter files on disk."""

import datetime as dt
import importlib
import itertools

from django.contrib.auth.models import Group, User
from django.utils import timezone
from taggit.models import Tag

from articles.models import Article, ArticleTopic, Image, Provider

_seq = itertools.count(1)


def provider(domain="example.com", name=None):
    return Provider.objects.get_or_create(domain=domain, defaults={"name": name or domain.split(".")[0].title()})[0]


def topic(name):
    return Tag.objects.filter(name__iexact=name).first() or Tag.objects.create(name=name)


def article(title=None, *, topics=(), images=0, source=None, **fields):
    n = next(_seq)
    fields.setdefault("provider", source or provider())
    fields.setdefault("is_published", True)
    fields.setdefault("published_at", timezone.now() - dt.timedelta(hours=n))
    obj = Article.objects.create(
        identity_url=fields.pop("identity_url", f"https://example.com/story-{n}"),
        title=title or f"Story {n}",
        slug=f"story-{n}",
        **fields,
    )
    for i, name in enumerate(topics):
        ArticleTopic.objects.create(content_object=obj, tag=topic(name), position=i, label=name)
    for i in range(images):
        Image.objects.create(article=obj, position=i, url=f"https://img.example.com/{n}-{i}.jpg", width=800, height=600)
    return obj


def editors_group():
    """The migration's Editors group; rebuilt the same way when a transactional test flushed it."""
    group = Group.objects.filter(name="Editors").first()
    if group is None:
        from django.contrib.auth.models import Permission

        migrations = [importlib.import_module(f"articles.migrations.{name}")
                      for name in ("0002_admin_editors_group", "0011_format_topic_proxy",
                                   "0017_editors_stories_versions")]
        group = Group.objects.create(name=migrations[0].GROUP)
        permissions = {key: actions for migration in migrations for key, actions in migration.PERMISSIONS.items()}
        for (app_label, model), actions in permissions.items():
            group.permissions.add(
                *Permission.objects.filter(
                    content_type__app_label=app_label, codename__in=[f"{a}_{model}" for a in actions]
                )
            )
    return group


def editor(username="eddie"):
    user = User.objects.create_user(username, password="pw-for-tests", is_staff=True)
    user.groups.add(editors_group())
    return user


def front_matter(*, title="A story", url="https://news.example.org/a-story", heat=10, quality=50,
                 published="true", topics=("AI",), excerpt="What happened.", domain="news.example.org",
                 extra=""):
    topic_lines = "".join(f"  - {t}\n" for t in topics)
    return (
        "---\n"
        f'title: "{title}"\n'
        f'webUrl: "{url}"\n'
        f'excerpt: "{excerpt}"\n'
        "publishedDateTime: 2024-05-01T10:00:00Z\n"
        "type: article\n"
        "category: news\n"
        f"quality: {quality}\n"
        f"heat: {heat}\n"
        f"published: {published}\n"
        "provider:\n"
        "  name: Example News\n"
        f"  domain: {domain}\n"
        f"topics:\n{topic_lines}"
        "images:\n"
        '  - url: "https://img.example.org/a.jpg"\n'
        "    width: 1200\n"
        "    height: 630\n"
        f"{extra}"
        "---\n"
        "Body text.\n"
    )


def write_file(directory, name, **kwargs):
    path = directory / name
    path.write_text(front_matter(**kwargs), encoding="utf-8")
    return path
