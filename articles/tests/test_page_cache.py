"""The public page cache: served from the cache until anything readers see changes."""

import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from django.contrib.auth.models import AnonymousUser, User

from articles.page_cache import cached_public_page, content_changed, content_version


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


@pytest.mark.django_db
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


@pytest.mark.django_db
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
