"""The Stories admin: a story's articles, moving one out or elsewhere, merging, choosing the lead."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.models import Article, Story, StoryDecision
from articles.stories.assign import refresh_stories

from .admin_client import change_form_data, run_action
from .admin_factories import article, provider

pytestmark = pytest.mark.django_db

STORIES = reverse("admin:articles_story_changelist")


def story_of(*titles, domain_prefix="outlet"):
    story = Story.objects.create()
    for i, title in enumerate(titles):
        article(title, source=provider(f"{domain_prefix}{i}.example"), story=story)
    refresh_stories({story.pk})
    story.refresh_from_db()
    return story


def test_the_story_list_shows_lead_size_and_outlets_in_constant_queries(admin_client):
    story_of("Comet lands on Mars", "Comet hits Mars")
    admin_client.get(STORIES)
    with CaptureQueriesContext(connection) as few:
        response = admin_client.get(STORIES)
    page = response.content.decode()
    assert "Comet lands on Mars" in page or "Comet hits Mars" in page
    for n in range(20):
        story_of(f"Other story {n}", domain_prefix=f"o{n}-")
    with CaptureQueriesContext(connection) as many:
        admin_client.get(STORIES)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_a_story_page_lists_its_articles_and_moves_one_out_on_its_own(admin_client):
    story = story_of("Comet lands on Mars", "Comet hits Mars", "Unrelated cooking show")
    url = reverse("admin:articles_story_change", args=[story.pk])
    response = admin_client.get(url)
    page = response.content.decode()
    assert "Comet hits Mars" in page and "Unrelated cooking show" in page
    data = change_form_data(response)
    cooking = Article.objects.get(title="Unrelated cooking show")
    index = [f.instance.pk for f in response.context["inline_admin_formsets"][0].formset.forms].index(cooking.pk)
    data[f"articles-{index}-keep_apart"] = "on"
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    cooking.refresh_from_db()
    assert cooking.story_id != story.pk and cooking.story.locked
    assert StoryDecision.objects.get(article=cooking).story_id == cooking.story_id
    story.refresh_from_db()
    assert story.size == 2


def test_moving_an_article_to_another_story_by_its_number(admin_client):
    story = story_of("Comet lands on Mars", "Cooking show wins award")
    other = story_of("Cooking show wins an award again")
    url = reverse("admin:articles_story_change", args=[story.pk])
    response = admin_client.get(url)
    data = change_form_data(response)
    forms = response.context["inline_admin_formsets"][0].formset.forms
    index = [f.instance.title for f in forms].index("Cooking show wins award")
    data[f"articles-{index}-move_to_story"] = str(other.pk)
    assert admin_client.post(url, data).status_code == 302
    moved = Article.objects.get(title="Cooking show wins award")
    assert moved.story_id == other.pk
    other.refresh_from_db()
    assert other.size == 2


def test_choosing_the_lead_marks_it_chosen(admin_client):
    story = story_of("Comet lands on Mars", "Comet hits Mars")
    second = Article.objects.exclude(pk=story.lead_id).get(story=story)
    url = reverse("admin:articles_story_change", args=[story.pk])
    data = change_form_data(admin_client.get(url))
    data["lead"] = str(second.pk)
    assert admin_client.post(url, data).status_code == 302
    story.refresh_from_db()
    assert (story.lead_id, story.lead_chosen) == (second.pk, True)
    assert StoryDecision.objects.filter(article=second, story=story).exists()


def test_the_lead_must_be_one_of_the_storys_articles(admin_client):
    story = story_of("Comet lands on Mars")
    stranger = story_of("Cooking show").lead
    url = reverse("admin:articles_story_change", args=[story.pk])
    data = change_form_data(admin_client.get(url))
    data["lead"] = str(stranger.pk)
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "lead" in response.context["adminform"].form.errors
    story.refresh_from_db()
    assert story.lead_id != stranger.pk


def test_merging_stories_from_the_list(admin_client):
    first = story_of("Comet lands on Mars", "Comet hits Mars")
    second = story_of("Comet on Mars: what we know", domain_prefix="x")
    response = run_action(admin_client, STORIES, "merge", [first, second])
    assert response.status_code == 200 and "Merge stories" in response.content.decode()
    response = run_action(admin_client, STORIES, "merge", [first, second], apply="1", target=str(first.pk))
    assert response.status_code == 302
    assert not Story.objects.filter(pk=second.pk).exists()
    first.refresh_from_db()
    assert (first.size, first.outlets) == (3, 3)
    assert StoryDecision.objects.filter(story=first).count() == 3
