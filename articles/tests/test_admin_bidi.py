"""Names holding bidi controls (U+202E, U+2066–U+2069, U+200E/F) are isolated everywhere the admin
shows them: lists, titles and breadcrumbs, choices, autocomplete results, the desk, stories, merges."""

import datetime as dt
import json
import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone

from articles.models import Provider, ProviderAlias, Story, Topic, TopicRedirect
from articles.text import display_name, needs_isolation

from . import admin_factories as make

TOPIC = "evil\u202eelpmaxe"  # reads "evilexample" reversed
PROVIDER = "Orbit\u2067 Weekly\u200f"
TITLE = "Breaking\u202e gnikaerb"
FSI, PDI = "\u2068", "\u2069"


def unisolated(html, name):
    """How often `name` appears in `html` other than isolated: inside <bdi>, between FSI and PDI, or
    as an input's own value (an editable box is a paragraph of its own)."""
    for shown in (f"<bdi>{name}</bdi>", f"{FSI}{name}{PDI}", f'value="{name}"'):
        html = html.replace(shown, "")
    return html.count(name)


def page(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.fixture
def hostile(db):
    source = make.provider("orbit.example", name=PROVIDER)
    article = make.article(TITLE, topics=[TOPIC, "Plain"], source=source, published_at=timezone.now() - dt.timedelta(hours=1))
    return article, Topic.objects.get(name=TOPIC), source


def test_display_name_isolates_only_names_that_can_reorder_their_neighbours():
    for name in (TOPIC, PROVIDER, "a\u2066b", "\u200eLTR mark", "\u200fRTL mark", "العربية", "עברית 2"):
        assert needs_isolation(name) and display_name(name) == f"{FSI}{name}{PDI}"
    for name in ("Plain", "R&D", "東京", "🤖", "!!!", ""):
        assert display_name(name) == name


def test_str_of_topics_and_providers_is_isolated(hostile):
    article, topic, source = hostile
    assert str(topic) == f"{FSI}{TOPIC}{PDI}" and str(source) == f"{FSI}{PROVIDER}{PDI}"
    assert str(Topic.objects.get(name="Plain")) == "Plain"  # ordinary names as they were


@pytest.mark.parametrize("kind", ["topic", "provider"])
def test_change_form_title_breadcrumbs_history_and_delete_pages_isolate_the_name(admin_client, hostile, kind):
    _, topic, source = hostile
    obj, name = (topic, TOPIC) if kind == "topic" else (source, PROVIDER)
    for view in ("change", "history", "delete"):
        html = page(admin_client, reverse(f"admin:articles_{kind}_{view}", args=[obj.pk]))
        assert f"{FSI}{name}{PDI}" in html, view
        assert unisolated(html, name) == 0, view
    title = re.search(r"<title>(.*?)</title>", page(admin_client, reverse(f"admin:articles_{kind}_change", args=[obj.pk])), re.S)
    assert f"{FSI}{name}{PDI}" in title.group(1)


def test_change_lists_isolate_names(admin_client, hostile):
    article, topic, source = hostile
    TopicRedirect.objects.create(old_name="old\u202eeman", topic=topic)
    ProviderAlias.objects.create(domain="old-orbit.example", provider=source)
    for model, names in (
        ("topic", [TOPIC]), ("provider", [PROVIDER]), ("article", [TOPIC, PROVIDER]),
        ("topicredirect", [TOPIC, "old\u202eeman"]), ("provideralias", [PROVIDER]),
    ):
        html = page(admin_client, reverse(f"admin:articles_{model}_changelist"))
        for name in names:
            assert name in html and unisolated(html, name) == 0, (model, name)


def test_article_list_filters_isolate_names(admin_client, hostile):
    html = page(admin_client, reverse("admin:articles_article_changelist"))
    assert f">{FSI}{TOPIC}{PDI}</a>" in html and f">{FSI}{PROVIDER}{PDI}</a>" in html
    html = page(admin_client, reverse("admin:articles_article_changelist"), topic="evilelpmaxe")
    assert unisolated(html, TOPIC) == 0


def test_article_form_choices_isolate_topic_and_provider(admin_client, hostile):
    article, topic, source = hostile
    html = page(admin_client, reverse("admin:articles_article_change", args=[article.pk]))
    assert f'<option value="{source.pk}" selected>{FSI}{PROVIDER}{PDI}</option>' in html
    assert f'<option value="{topic.pk}" selected>{FSI}{TOPIC}{PDI}</option>' in html
    for name in (TOPIC, PROVIDER):
        assert unisolated(html, name) == 0, name


def test_autocomplete_results_isolate_names(admin_client, hostile):
    """Select2 shows the JSON's text as text: Unicode's isolate marks are the only isolation it can carry."""
    _, topic, source = hostile
    url = reverse("admin:autocomplete")
    found = admin_client.get(url, {"app_label": "articles", "model_name": "article", "field_name": "provider", "term": "orbit"})
    assert json.loads(found.content)["results"] == [{"id": str(source.pk), "text": f"{FSI}{PROVIDER}{PDI}"}]
    found = admin_client.get(url, {"app_label": "articles", "model_name": "articletopic", "field_name": "tag", "term": "evil"})
    assert json.loads(found.content)["results"] == [{"id": str(topic.pk), "text": f"{FSI}{TOPIC}{PDI}"}]


def test_merge_confirmation_pages_isolate_names(admin_client, hostile):
    _, topic, source = hostile
    plain = Topic.objects.get(name="Plain")
    html = page_post(admin_client, reverse("admin:articles_topic_changelist"), "merge", [topic.pk, plain.pk])
    assert f"<li>{FSI}{TOPIC}{PDI}</li>" in html and unisolated(html, TOPIC) == 0
    other = make.provider("plain.example", name="Plain Times")
    html = page_post(admin_client, reverse("admin:articles_provider_changelist"), "merge", [source.pk, other.pk])
    assert f"<li>{FSI}{PROVIDER}{PDI}</li>" in html and unisolated(html, PROVIDER) == 0


def test_merge_message_isolates_names(admin_client, hostile):
    _, topic, _ = hostile
    plain = Topic.objects.get(name="Plain")
    response = admin_client.post(
        reverse("admin:articles_topic_changelist"),
        {"action": "merge", ACTION_CHECKBOX_NAME: [topic.pk, plain.pk], "target": plain.pk, "apply": "1"},
        follow=True,
    )
    html = response.content.decode()
    assert f"Merged {FSI}{TOPIC}{PDI} into Plain" in html and unisolated(html, TOPIC) == 0


def page_post(client, url, action, pks):
    response = client.post(url, {"action": action, ACTION_CHECKBOX_NAME: pks})
    assert response.status_code == 200
    return response.content.decode()


def test_desk_isolates_titles_and_names(admin_client, hostile):
    make.article("Draft\u202e tfard", is_published=False)
    html = page(admin_client, reverse("admin:index"))
    assert f"<bdi>{TOPIC}</bdi>" in html  # a rising topic
    assert "<bdi>Draft\u202e tfard</bdi>" in html
    assert unisolated(html, TOPIC) == 0 and unisolated(html, "Draft\u202e tfard") == 0


def test_stories_admin_isolates_titles_and_providers(admin_client, hostile):
    article, _, source = hostile
    story = Story.objects.create(lead=article, size=1, outlets=1)
    article.story = story
    article.save(update_fields=["story"])
    html = page(admin_client, reverse("admin:articles_story_changelist"))
    assert f"<bdi>{TITLE}</bdi>" in html and unisolated(html, TITLE) == 0
    html = page(admin_client, reverse("admin:articles_story_change", args=[story.pk]))
    assert f"{FSI}{PROVIDER}{PDI}" in html and unisolated(html, PROVIDER) == 0
    assert unisolated(html, TITLE) == 0
    assert Provider.objects.count() == 1


def test_version_values_isolate_provider_and_topic_names(hostile):
    from articles.admin.versions import Shown

    _, topic, source = hostile
    shown = Shown([{"provider": source.pk, "topics": [topic.pk]}])
    assert shown.value("provider", source.pk) == f"{FSI}{PROVIDER}{PDI}"
    assert shown.value("topics", [topic.pk]) == f"{FSI}{TOPIC}{PDI}"


@pytest.mark.parametrize("domain", ["elpmaxe\u202e.evil", "news\u200b.example", "a b.example", "x/y"])
def test_the_provider_and_alias_forms_refuse_domains_the_importer_refuses(admin_client, hostile, domain):
    """A U+202E typed into a provider's domain would show it reversed; imports refuse it, and so does the admin."""
    _, _, source = hostile
    response = admin_client.post(reverse("admin:articles_provider_add"), {
        "name": "Spoof", "domain": domain, "logos": "[]", "aliases-TOTAL_FORMS": "0", "aliases-INITIAL_FORMS": "0",
    })
    assert response.status_code == 200 and response.context["adminform"].form.errors["domain"]
    response = admin_client.post(reverse("admin:articles_provideralias_add"), {"domain": domain, "provider": source.pk})
    assert response.status_code == 200 and response.context["adminform"].form.errors["domain"]
    assert not Provider.objects.filter(domain=domain).exists() and not ProviderAlias.objects.exists()


def test_the_provider_form_still_takes_a_domain_as_typed(admin_client):
    response = admin_client.post(reverse("admin:articles_provider_add"), {
        "name": "Fine", "domain": "WWW.Fine.Example.", "logos": "[]", "aliases-TOTAL_FORMS": "0", "aliases-INITIAL_FORMS": "0",
    })
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Provider.objects.get(name="Fine").domain == "fine.example"


def test_topic_action_messages_isolate_the_name(admin_client, hostile):
    article, topic, _ = hostile
    response = admin_client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "pin_topic", ACTION_CHECKBOX_NAME: [article.pk], "topic": topic.pk, "apply": "1"},
        follow=True,
    )
    html = response.content.decode()
    assert f"to {FSI}{TOPIC}{PDI}." in html and unisolated(html, TOPIC) == 0
