"""Who may do what: Editors curate content but never manage accounts; superusers do both."""

import pytest
from django.urls import reverse

from .admin_factories import article, editor, provider, topic

pytestmark = pytest.mark.django_db

CONTENT_PAGES = [
    "admin:articles_article_changelist",
    "admin:articles_article_add",
    "admin:articles_article_import",
    "admin:articles_provider_changelist",
    "admin:articles_topicredirect_changelist",
    "admin:articles_topic_changelist",
    "admin:articles_provideralias_changelist",
    "admin:articles_story_changelist",
]
ACCOUNT_PAGES = ["admin:auth_user_changelist", "admin:auth_group_changelist", "admin:auth_user_add"]


@pytest.fixture
def editor_client(client):
    client.force_login(editor())
    return client


@pytest.mark.parametrize("name", CONTENT_PAGES)
def test_editor_reaches_content_pages(editor_client, name):
    """An editor opens every curation page."""
    assert editor_client.get(reverse(name)).status_code == 200


@pytest.mark.parametrize("name", ACCOUNT_PAGES)
def test_editor_is_refused_account_pages(editor_client, name):
    """An editor gets 403 on users and groups."""
    assert editor_client.get(reverse(name)).status_code == 403


def test_editor_can_edit_article_topic_and_provider(editor_client):
    """An editor opens the change forms of an article, a topic and a provider."""
    a = article(topics=["AI"])
    for url in (
        reverse("admin:articles_article_change", args=[a.pk]),
        reverse("admin:articles_topic_change", args=[topic("AI").pk]),
        reverse("admin:articles_provider_change", args=[provider().pk]),
    ):
        assert editor_client.get(url).status_code == 200


def test_editor_index_lists_content_not_accounts(editor_client):
    """The admin home shows an editor the content apps and no Authentication section."""
    html = editor_client.get(reverse("admin:index")).content.decode()
    assert "Articles" in html and "Topics" in html and "Taggit" not in html
    assert "/admin/auth/user/" not in html and "/admin/auth/group/" not in html


@pytest.mark.parametrize("name", CONTENT_PAGES + ACCOUNT_PAGES)
def test_superuser_reaches_everything(admin_client, name):
    """A superuser reaches content and account pages alike."""
    assert admin_client.get(reverse(name)).status_code == 200


def test_staff_without_group_cannot_import(client, django_user_model):
    """Staff outside Editors cannot reach the import page."""
    user = django_user_model.objects.create_user("visitor", password="x", is_staff=True)
    client.force_login(user)
    assert client.get(reverse("admin:articles_article_import")).status_code == 403
