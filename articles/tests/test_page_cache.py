"""The public page cache: served from the cache until anything readers see changes."""

import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from django.contrib.auth.models import AnonymousUser, User

from django.db import connection, transaction

from articles.page_cache import cached_public_page, content_changed, content_version

from .factories import make_article

# The content version lives in the database: every test here touches it.
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


@pytest.fixture
def counted_view():
    calls = []

    @cached_public_page
    def view(request):
        calls.append(request.path)
        return HttpResponse(f"render {len(calls)}", content_type="text/plain")

    return view, calls


def get(path="/x/", user=None, method="get"):
    request = getattr(RequestFactory(), method)(path)
    request.user = user or AnonymousUser()
    return request


@override_settings(NEWSROOM_PAGE_CACHE_SECONDS=60)
def test_anonymous_get_is_cached_until_content_changes(counted_view):
    view, calls = counted_view
    assert view(get()).content == b"render 1"
    second = view(get())
    assert second.content == b"render 1" and second["X-Newsroom-Cache"] == "hit"
    assert second["Content-Type"] == "text/plain"
    assert view(get("/x/?page=2")).content == b"render 2", "the query string is part of the key"
    before = content_version()
    content_changed()
    assert content_version() != before
    assert view(get()).content == b"render 3"


@override_settings(NEWSROOM_PAGE_CACHE_SECONDS=60)
def test_signed_in_users_and_posts_are_never_cached(counted_view):
    view, calls = counted_view
    staff = User(username="ed", is_staff=True)
    view(get(user=staff))
    view(get(user=staff))
    view(get(method="post"))
    view(get(method="post"))
    assert len(calls) == 4


@override_settings(NEWSROOM_PAGE_CACHE_SECONDS=60)
def test_errors_are_not_cached():
    calls = []

    @cached_public_page
    def view(request):
        calls.append(1)
        return HttpResponse("gone", status=404)

    view(get())
    view(get())
    assert len(calls) == 2


@override_settings(NEWSROOM_PAGE_CACHE_SECONDS=60)
def test_an_import_invalidates_cached_pages(tmp_path):
    from articles.importer import import_paths

    from .importing import front_matter, write

    before = content_version()
    import_paths([write(tmp_path, "a.md", front_matter())])
    assert content_version() != before
    unchanged = content_version()
    import_paths([tmp_path])
    assert content_version() == unchanged, "a run that changed nothing keeps the cache"


def test_an_admin_change_invalidates_cached_pages(admin_client):
    before = content_version()
    admin_client.get("/admin/")
    assert content_version() == before, "reading the admin changes nothing"
    admin_client.post("/admin/articles/provider/add/", {"name": "New", "domain": "new.example"})
    assert content_version() != before


@pytest.mark.django_db
def test_the_importer_announces_changes_with_a_signal_the_cache_hears(tmp_path):
    from articles.importer import import_paths
    from articles.models import Article
    from articles.signals import content_changed as changed_signal

    from .importing import front_matter, write

    heard = []

    def receiver(sender, **kwargs):
        heard.append(sender)

    changed_signal.connect(receiver)
    try:
        import_paths([write(tmp_path, "a.md", front_matter())])
    finally:
        changed_signal.disconnect(receiver)
    assert heard == [Article]

    before = content_version()
    changed_signal.send(sender=Article)
    assert content_version() != before, "the page cache is connected in ArticlesConfig.ready()"


@override_settings(NEWSROOM_PAGE_CACHE_SECONDS=60)
def test_a_change_written_by_another_process_is_seen_by_the_next_request(counted_view):
    """This process's cache is local memory: only the database tells it another process changed
    something (here the version row is bumped by SQL, as the import command does in its process)."""
    view, calls = counted_view
    assert view(get()).content == b"render 1"
    assert view(get())["X-Newsroom-Cache"] == "hit"
    with connection.cursor() as cursor:
        cursor.execute("UPDATE articles_contentversion SET version = version + 1")
    assert view(get()).content == b"render 2"


@override_settings(NEWSROOM_PAGE_CACHE_SECONDS=60)
def test_the_version_moves_with_the_transaction_that_changed_content():
    before = content_version()
    with pytest.raises(RuntimeError), transaction.atomic():
        content_changed()
        raise RuntimeError("the change is rolled back")
    assert content_version() == before, "a rolled-back change leaves the cache alone"
    with transaction.atomic():
        content_changed()
    assert content_version() > before


def test_a_lost_version_row_is_recreated():
    from articles.models import ContentVersion

    ContentVersion.objects.all().delete()  # as a flushed test database has it
    first = content_version()
    content_changed()
    assert content_version() > first


@override_settings(NEWSROOM_PAGE_CACHE_SECONDS=60)
def test_a_cached_page_costs_one_tiny_query(counted_view, django_assert_num_queries):
    view, calls = counted_view
    view(get())
    with django_assert_num_queries(1) as captured:
        assert view(get())["X-Newsroom-Cache"] == "hit"
    assert "articles_contentversion" in captured.captured_queries[0]["sql"]


@override_settings(NEWSROOM_PAGE_CACHE_SECONDS=300)
def test_an_admin_unpublish_is_seen_by_the_next_anonymous_request(admin_client, client):
    article = make_article("Retracted story")
    url = article.get_absolute_url()
    assert client.get(url).status_code == 200
    assert client.get(url)["X-Newsroom-Cache"] == "hit"
    assert "Retracted story" in client.get("/").content.decode()
    admin_client.post(
        "/admin/articles/article/",
        {"action": "unpublish", "_selected_action": [article.pk], "index": 0},
    )
    assert client.get(url).status_code == 404
    assert "Retracted story" not in client.get("/").content.decode()


def test_the_version_is_the_time_of_the_last_change_and_only_grows():
    import time

    from articles.models import ContentVersion

    ContentVersion.objects.update(version=1)  # an old row
    content_changed()
    assert abs(content_version() / 10**9 - time.time()) < 60
    ahead = time.time_ns() + 10**12  # a clock that went back must not make it shrink
    ContentVersion.objects.update(version=ahead)
    content_changed()
    assert content_version() == ahead + 1
