"""Topics and providers in the admin: counts, rename redirects, merges, unused clean-up."""

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from taggit.models import Tag

from articles.models import Article, ArticleTopic, Provider, TopicRedirect

from .admin_client import run_action
from .admin_factories import article, provider, topic

pytestmark = pytest.mark.django_db

TOPICS = reverse("admin:articles_topic_changelist")
PROVIDERS = reverse("admin:articles_provider_changelist")


def test_topic_list_shows_counts_without_a_query_per_row(admin_client):
    """Article counts come from one annotated query, however many topics."""
    article(topics=["AI", "Space"])
    article(topics=["AI"])
    admin_client.get(TOPICS)
    with CaptureQueriesContext(connection) as few:
        response = admin_client.get(TOPICS)
    counts = {t.name: t.article_count for t in response.context["cl"].result_list}
    assert counts == {"AI": 2, "Space": 1}
    for i in range(30):
        article(topics=[f"Extra {i}"])
    with CaptureQueriesContext(connection) as many:
        admin_client.get(TOPICS)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_renaming_a_topic_redirects_its_old_slug(admin_client):
    """Renaming changes the slug and records the old slug as a redirect."""
    tag = topic("Artificial intelligence")
    url = reverse("admin:articles_topic_change", args=[tag.pk])
    response = admin_client.post(url, {
        "name": "AI", "slug": tag.slug,
        "redirects-TOTAL_FORMS": "0", "redirects-INITIAL_FORMS": "0",
    })
    assert response.status_code == 302, response.context["adminform"].form.errors
    tag.refresh_from_db()
    assert (tag.name, tag.slug) == ("AI", "ai")
    assert TopicRedirect.objects.get(old_slug="artificial-intelligence").topic == tag


def test_rename_onto_an_existing_slug_asks_for_a_merge(admin_client):
    """Renaming a topic to another topic's name is refused with a pointer to merging."""
    topic("AI")
    other = topic("A.I.")
    url = reverse("admin:articles_topic_change", args=[other.pk])
    response = admin_client.post(url, {
        "name": "AI!", "slug": other.slug, "redirects-TOTAL_FORMS": "0", "redirects-INITIAL_FORMS": "0",
    })
    assert response.status_code == 200
    assert "merge the two instead" in response.content.decode()
    assert not TopicRedirect.objects.exists()


def test_merge_topics_action(admin_client):
    """Merging asks for the target, then folds the others in and redirects their slugs."""
    a = article(topics=["AI", "Artificial Intelligence"])
    b = article(topics=["Artificial Intelligence"])
    ai, long = topic("AI"), topic("Artificial Intelligence")
    page = run_action(admin_client, TOPICS, "merge", [ai, long])
    assert page.status_code == 200 and b"Merge topics" in page.content
    response = run_action(admin_client, TOPICS, "merge", [ai, long], target=str(ai.pk), apply="1")
    assert response.status_code == 302
    assert list(Tag.objects.values_list("name", flat=True)) == ["AI"]
    assert ArticleTopic.objects.filter(content_object=a).count() == 1
    assert list(b.topics.names()) == ["AI"]
    assert TopicRedirect.objects.get(old_slug="artificial-intelligence").topic == ai
    assert "Merged Artificial Intelligence" in LogEntry.objects.get(object_id=str(ai.pk)).change_message


def test_merge_needs_two_topics(admin_client):
    """Merging one topic is refused with a message, changing nothing."""
    ai = topic("AI")
    response = run_action(admin_client, TOPICS, "merge", [ai], follow=True)
    assert b"at least two" in response.content
    assert Tag.objects.count() == 1


def test_delete_unused_topics_keeps_used_ones(admin_client):
    """Only topics without articles are deleted."""
    article(topics=["Used"])
    unused, used = topic("Unused"), topic("Used")
    run_action(admin_client, TOPICS, "delete_unused", [unused, used])
    assert list(Tag.objects.values_list("name", flat=True)) == ["Used"]


def test_provider_list_counts_and_merge(admin_client):
    """Providers show article counts; merging moves articles and deletes the duplicate."""
    keep, dup = provider("bbc.co.uk", "BBC"), provider("bbc.com", "BBC (dup)")
    article(source=keep)
    moved = article(source=dup)
    response = admin_client.get(PROVIDERS)
    assert {p.domain: p.article_count for p in response.context["cl"].result_list} == {"bbc.co.uk": 1, "bbc.com": 1}
    page = run_action(admin_client, PROVIDERS, "merge", [keep, dup])
    assert b"Merge providers" in page.content
    run_action(admin_client, PROVIDERS, "merge", [keep, dup], target=str(keep.pk), apply="1")
    assert list(Provider.objects.values_list("domain", flat=True)) == ["bbc.co.uk"]
    assert Article.objects.get(pk=moved.pk).provider == keep


def test_topic_autocomplete_serves_the_article_form(admin_client):
    """The article form's topic box finds topics by name."""
    article(topics=["Space"])
    topic("AI")
    url = reverse("admin:autocomplete")
    response = admin_client.get(url, {
        "term": "spa", "app_label": "articles", "model_name": "articletopic", "field_name": "tag",
    })
    assert [r["text"] for r in response.json()["results"]] == ["Space"]


def test_the_admin_says_topics_never_tags(admin_client):
    """Taggit's names stay out of the admin: the index, the topic list and an article's topic field."""
    from django.urls import reverse as url

    from .admin_factories import article, topic

    index = admin_client.get(url("admin:index")).content.decode()
    assert "Topics" in index and "/admin/articles/topic/" in index
    assert "Taggit" not in index and "/admin/taggit/" not in index

    topic("AI"), topic("Climate")
    listing = admin_client.get(url("admin:articles_topic_changelist")).content.decode()
    assert "Add topic" in listing and "0 of 2 selected" in listing
    assert "Add tag" not in listing and "Taggit" not in listing and "Select tag" not in listing

    a = article(topics=["AI"])
    form = admin_client.get(url("admin:articles_article_change", args=[a.pk])).content.decode()
    assert "Add another topic" in form and "/admin/articles/topic/add/" in form
    assert "another tag" not in form and "selected tag" not in form and "/admin/taggit/" not in form
    assert 'column-tag required">Topic' in form and 'column-tag required">Tag' not in form


def test_old_tag_addresses_lead_to_the_topic_pages(admin_client):
    from django.urls import reverse as url

    from .admin_factories import topic

    ai = topic("AI")
    assert admin_client.get("/admin/taggit/tag/")["Location"] == url("admin:articles_topic_changelist")
    response = admin_client.get(f"/admin/taggit/tag/{ai.pk}/change/")
    assert response["Location"] == url("admin:articles_topic_change", args=[ai.pk])


def test_topic_autocomplete_still_searches_topics(admin_client):
    from django.urls import reverse as url

    from .admin_factories import topic

    topic("Artificial intelligence")
    response = admin_client.get(url("admin:autocomplete"), {
        "term": "artif", "app_label": "articles", "model_name": "articletopic", "field_name": "tag",
    })
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["Artificial intelligence"]


def test_topic_and_redirect_forms_render_with_topic_wording(admin_client):
    from django.urls import reverse as url

    from .admin_factories import topic

    ai = topic("AI")
    for page in (
        url("admin:articles_topic_add"),
        url("admin:articles_topic_change", args=[ai.pk]),
        url("admin:articles_topicredirect_add"),
    ):
        html = admin_client.get(page).content.decode()
        assert "Taggit" not in html and "another tag" not in html and "/admin/taggit/" not in html, page
    redirect_form = admin_client.get(url("admin:articles_topicredirect_add")).content.decode()
    assert "Add another topic" in redirect_form
