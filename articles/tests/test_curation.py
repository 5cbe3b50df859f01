"""Curation services the admin actions call: topics, pins, merges."""

import pytest
from taggit.models import Tag

from articles import curation
from articles.models import Article, ArticleTopic, Provider, RelatedLink, TopicRedirect

from .admin_factories import article, provider, topic

pytestmark = pytest.mark.django_db


def links(obj):
    return [(link.tag.name, link.position, link.label, link.pinned)
            for link in ArticleTopic.objects.filter(content_object=obj).select_related("tag").order_by("position")]


def test_add_topic_appends_once_and_locks_topics():
    """Adding a topic puts it after the article's topics, never twice, and survives re-import."""
    a = article(topics=["AI", "Robots"])
    b = article(topics=["Space"])
    ai = Tag.objects.get(name="AI")
    assert curation.add_topic(Article.objects.filter(pk__in=[a.pk, b.pk]), ai) == 1
    assert links(a) == [("AI", 0, "AI", False), ("Robots", 1, "Robots", False)]
    assert links(b) == [("Space", 0, "Space", False), ("AI", 1, "AI", False)]
    assert "topics" in Article.objects.get(pk=b.pk).locked_fields


def test_remove_topic_only_touches_that_topic():
    """Removing a topic leaves the article's other topics alone."""
    a = article(topics=["AI", "Robots"])
    assert curation.remove_topic([a], Tag.objects.get(name="AI")) == 1
    assert links(a) == [("Robots", 1, "Robots", False)]
    assert Article.objects.get(pk=a.pk).locked_fields == ["topics"]


def test_pin_to_topic_pins_only_articles_with_the_topic():
    """Pinning to a topic pins the link; an article without the topic gains nothing."""
    a = article(topics=["AI"])
    b = article(topics=["Space"])
    assert curation.pin_to_topic([a, b], Tag.objects.get(name="AI")) == 1
    assert links(a) == [("AI", 0, "AI", True)]
    assert links(b) == [("Space", 0, "Space", False)]
    assert curation.unpin_from_topics([a, b]) == 1
    assert links(a) == [("AI", 0, "AI", False)]


def test_merge_topics_without_duplicates_keeping_positions_labels_and_pins():
    """Merging re-tags articles once each, keeps the earlier position, the pin and a label."""
    both = article(topics=["Machine learning", "AI"])
    ArticleTopic.objects.filter(content_object=both, tag__name="Machine learning").update(pinned=True)
    only_old = article(topics=["Robots", "machine-learning-old"])
    only_new = article(topics=["AI"])
    ai, ml, old = topic("AI"), topic("Machine learning"), topic("machine-learning-old")
    old_redirect = TopicRedirect.objects.create(old_slug="ml", topic=ml)

    curation.merge_topics(ai, [ml, old])

    assert links(both) == [("AI", 0, "AI", True)]
    assert links(only_old) == [("Robots", 0, "Robots", False), ("AI", 1, "machine-learning-old", False)]
    assert links(only_new) == [("AI", 0, "AI", False)]
    assert set(Tag.objects.values_list("name", flat=True)) == {"AI", "Robots"}
    redirects = dict(TopicRedirect.objects.values_list("old_slug", "topic__slug"))
    assert redirects == {"machine-learning": "ai", "machine-learning-old": "ai", "ml": "ai"}
    old_redirect.refresh_from_db()
    assert old_redirect.topic == ai


def test_rename_records_redirect_and_frees_new_slug():
    """A renamed topic's old slug redirects; a redirect from its new slug is dropped."""
    tag = topic("AI")
    TopicRedirect.objects.create(old_slug="artificial-intelligence", topic=topic("Other"))
    tag.slug = "artificial-intelligence"
    tag.save()
    curation.rename_topic(tag, "ai")
    assert dict(TopicRedirect.objects.values_list("old_slug", "topic__slug")) == {"ai": "artificial-intelligence"}


def test_merge_providers_moves_articles_and_related_links_and_locks_provider():
    """Merged providers disappear; their articles and related coverage move to the target."""
    keep, dup = provider("bbc.co.uk", "BBC"), provider("bbc.com", "BBC News")
    moved = article(source=dup)
    stays = article(source=keep)
    link = RelatedLink.objects.create(article=stays, position=0, title="x", provider=dup)
    assert curation.merge_providers(keep, [dup]) == 1
    moved.refresh_from_db()
    link.refresh_from_db()
    assert moved.provider == keep and link.provider == keep
    assert "provider" in moved.locked_fields
    assert "provider" not in Article.objects.get(pk=stays.pk).locked_fields
    assert not Provider.objects.filter(domain="bbc.com").exists()


def test_reimport_after_merge_and_rename_does_not_bring_old_topics_back(tmp_path):
    """Files still naming a merged or renamed topic land on the topic it became."""
    from articles.importer import import_paths

    from .admin_factories import write_file

    path = write_file(tmp_path, "a.md", topics=("Artificial Intelligence", "Robotics"))
    import_paths([path], workers=1)
    ai = topic("AI")
    curation.merge_topics(ai, [topic("Artificial Intelligence")])
    robots = topic("Robotics")
    robots.name, robots.slug = "Robots", "robots"
    robots.save()
    curation.rename_topic(robots, "robotics")

    write_file(tmp_path, "a.md", topics=("Artificial Intelligence", "Robotics"), heat=2)
    import_paths([path], workers=1)
    assert set(Tag.objects.values_list("name", flat=True)) == {"AI", "Robots"}
    assert sorted(Article.objects.get().topics.names()) == ["AI", "Robots"]
