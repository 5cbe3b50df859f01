"""The image fetcher: feed images fetched from a local server (127.0.0.1, let through only by the
test allowance) become WebP renditions that pages offer in srcset; everything that should be
refused is, with the real setting; failures back off; nothing is fetched while the setting is off."""

import socket
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image as PILImage

from articles import image_fetch, image_jobs
from articles.cards import cards
from articles.importer import import_paths
from articles.models import Article, Image, ImageHost

from .factories import make_article
from .image_server import picture, server  # noqa: F401 (a fixture)
from .importing import front_matter, write

pytestmark = pytest.mark.django_db


@pytest.fixture
def fetcher(settings, tmp_path):
    """The fetcher on, with the test-only allowance for the local server and short time limits."""
    settings.NEWSROOM_FETCH_IMAGES = True
    settings.NEWSROOM_FETCH_ALLOW_HOSTS = frozenset({"127.0.0.1"})
    settings.MEDIA_ROOT = tmp_path
    settings.NEWSROOM_FETCH_READ_TIMEOUT = 0.5
    settings.NEWSROOM_FETCH_TOTAL_TIMEOUT = 3
    settings.NEWSROOM_FETCH_BACKOFF_SECONDS = 60
    return settings


def article_with(url, **fields):
    return make_article(images=[(url, 1600, 900)], **fields)


def lead(article):
    return Image.objects.get(article=article, position=0)


# --- the job, end to end ---

def test_fetched_images_become_renditions_that_cards_and_the_article_page_offer(fetcher, server, client, tmp_path):
    """A fetched feed image gives 320/640/1280 px WebP files, and the pages list them in srcset."""
    url = server.serve("/photo.jpg", picture(1600, 900))
    article = article_with(url)
    report = image_jobs.fetch_images()
    assert (report.fetched, report.refused, report.failed) == (1, 0, 0)
    image = lead(article)
    assert image.fetch_status == Image.FetchStatus.DONE and image.fetch_url == url
    assert [width for width, _ in image.renditions] == [320, 640, 1280]
    for width, name in image.renditions:
        with PILImage.open(tmp_path / name) as made:
            assert made.format == "WEBP"
            assert made.size == (width, round(900 * width / 1600))  # aspect kept
    srcset = ", ".join(f"/media/{name} {width}w" for width, name in image.renditions)
    (card,) = cards(Article.objects.with_cards().filter(pk=article.pk))
    assert card["image_src"] == url  # the feed's URL stays the fallback
    assert card["image_srcset"] == srcset
    home = client.get(reverse("articles:home")).content.decode()
    assert f'src="{url}" srcset="{srcset}" sizes=' in home
    page = client.get(article.get_absolute_url()).content.decode()
    assert f'srcset="{srcset}" sizes="(min-width: 800px) 760px, 100vw"' in page


def test_renditions_are_upright_and_never_upscaled(fetcher, server):
    """A 500×300 photo turned by EXIF (shown 300×500) gets one 300 px rendition, upright."""
    article = article_with(server.serve("/turned.jpg", picture(500, 300, orientation=6)))
    image_jobs.fetch_images()
    ((width, name),) = lead(article).renditions
    assert width == 300
    with PILImage.open(fetcher.MEDIA_ROOT / name) as made:
        assert made.size == (300, 500)


def test_renditions_cost_no_query(fetcher, server, client):
    """The renditions come with the image rows the pages already read: the same queries before and after."""
    for i in range(6):
        article_with(server.serve(f"/{i}.jpg", picture(700, 400)))

    def queries(path):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    pages = [reverse("articles:home"), Article.objects.first().get_absolute_url()]
    before = [queries(path) for path in pages]
    assert image_jobs.fetch_images().fetched == 6
    assert "/media/renditions/" in client.get(pages[0]).content.decode()
    assert [queries(path) for path in pages] == before


def test_a_slideshow_has_every_image_fetched_another_article_only_its_lead(fetcher, server):
    urls = [server.serve(f"/{n}.png", picture(400, 300, "PNG"), content_type="image/png") for n in range(3)]
    slideshow = make_article(images=[(u, 400, 300) for u in urls], item_type="Slideshow")
    others = [server.serve(f"/story{n}.png", picture(400, 300, "PNG"), content_type="image/png") for n in range(3)]
    story = make_article(images=[(u, 400, 300) for u in others])
    image_jobs.fetch_images()
    assert set(slideshow.images.values_list("fetch_status", flat=True)) == {"done"}
    page = Client().get(slideshow.get_absolute_url()).content.decode()
    assert page.count('srcset="/media/renditions/') == 3
    assert list(story.images.order_by("position").values_list("fetch_status", flat=True)) == ["done", "", ""]


def test_the_task_runs_after_an_import_when_the_setting_is_on(fetcher, server, tmp_path):
    """An import queues the fetcher (run at once by the tests' task backend): its images are fetched."""
    url = server.serve("/imported.jpg", picture(800, 450))
    write(tmp_path / "in", "a.md", front_matter(images=[{"url": url, "width": 800, "height": 450}]))
    call_command("import_articles", str(tmp_path / "in"), "--no-progress", stdout=StringIO())
    image = Image.objects.get(url=url)
    assert image.fetch_status == Image.FetchStatus.DONE
    assert [w for w, _ in image.renditions] == [320, 640, 800]


# --- what is refused ---

def test_an_image_larger_than_the_budget_is_refused(fetcher, server):
    """Refused by Content-Length, and by counting when the server does not say (streamed)."""
    fetcher.NEWSROOM_FETCH_MAX_BYTES = 10_000
    big = picture(1600, 900) + b"\0" * 20_000
    said = article_with(server.serve("/said.jpg", big))
    unsaid = article_with(server.serve("/unsaid.jpg", big, headers={"Content-Length": ""}))
    report = image_jobs.fetch_images()
    assert report.refused == 2
    for article in (said, unsaid):
        image = lead(article)
        assert image.fetch_status == Image.FetchStatus.REFUSED and image.renditions == []
        assert "larger than 10,000 bytes" in image.fetch_error


def test_a_body_beyond_the_budget_is_not_read_to_its_end():
    """The streamed read stops past max_bytes, whatever Content-Length claimed."""

    class Endless:
        def read1(self, n):
            return b"x" * n

    limits = image_fetch.Limits(max_bytes=100_000, connect_timeout=1, read_timeout=1, total_timeout=5)
    with pytest.raises(image_fetch.Refused, match="larger than 100,000 bytes"):
        image_fetch._read(Endless(), limits, time.monotonic() + 5)


@pytest.mark.parametrize("content_type, body", [
    ("text/html", b"<html>not a picture</html>"),
    ("image/svg+xml", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
    ("image/jpeg", b"<html>a page calling itself a JPEG</html>"),
    ("image/jpeg", picture(64, 64, "BMP")),  # a real picture, in a format pages do not take
])
def test_what_is_not_a_web_image_is_refused(fetcher, server, content_type, body):
    article = article_with(server.serve("/thing", body, content_type=content_type))
    assert image_jobs.fetch_images().refused == 1
    image = lead(article)
    assert image.fetch_status == Image.FetchStatus.REFUSED and image.renditions == []


def test_a_truncated_or_corrupt_image_is_refused(fetcher, server):
    whole = picture(800, 600)
    truncated = article_with(server.serve("/half.jpg", whole[: len(whole) // 2]))
    corrupt = article_with(server.serve("/bad.png", b"\x89PNG\r\n\x1a\n" + b"\0garbage" * 50, content_type="image/png"))
    assert image_jobs.fetch_images().refused == 2
    assert {lead(a).fetch_status for a in (truncated, corrupt)} == {Image.FetchStatus.REFUSED}


def test_a_picture_over_the_pixel_budget_is_refused(fetcher, server):
    fetcher.NEWSROOM_IMAGE_MAX_PIXELS = 1000
    article = article_with(server.serve("/wide.png", picture(100, 100, "PNG"), content_type="image/png"))
    image_jobs.fetch_images()
    assert "too large to open safely" in lead(article).fetch_error


def test_a_404_is_refused_not_retried(fetcher, server):
    article = article_with(server.url("/gone.jpg"))
    assert image_jobs.fetch_images().refused == 1
    assert lead(article).fetch_status == Image.FetchStatus.REFUSED
    assert image_jobs.fetch_images().refused == 0 and server.hits == ["/gone.jpg"]


# --- private addresses, with the real setting ---

@pytest.mark.parametrize("address", [
    "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.10", "::1", "169.254.169.254", "0.0.0.0",
    "100.64.0.1", "224.0.0.1", "240.0.0.1", "255.255.255.255", "fe80::1", "fc00::1", "ff02::1", "::",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "2001:db8::1",
])
def test_private_loopback_link_local_multicast_and_reserved_addresses_are_refused(address):
    with pytest.raises(image_fetch.Refused, match="refused address"):
        image_fetch.check_address(address)


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_pass(address):
    assert str(image_fetch.check_address(address)) == address


@pytest.mark.parametrize("host", ["127.0.0.1", "[::1]", "localhost", "10.0.0.1", "192.168.0.1", "169.254.169.254"])
def test_the_real_setting_fetches_nothing_from_this_machine_or_its_network(settings, server, host):
    """Without the test allowance, a URL naming (or resolving to) a private address is refused
    before any connection: the local server is never asked."""
    settings.NEWSROOM_FETCH_ALLOW_HOSTS = frozenset()
    server.serve("/photo.jpg", picture(100, 100))
    with pytest.raises(image_fetch.Refused, match="refused address"):
        image_fetch.fetch(f"http://{host}:{server.port}/photo.jpg")
    assert server.hits == []


def test_the_job_with_the_real_setting_refuses_the_local_server(fetcher, server):
    fetcher.NEWSROOM_FETCH_ALLOW_HOSTS = frozenset()
    article = article_with(server.serve("/photo.jpg", picture(100, 100)))
    assert image_jobs.fetch_images().refused == 1
    assert "refused address 127.0.0.1" in lead(article).fetch_error
    assert server.hits == []


def test_a_name_with_any_private_address_is_refused(monkeypatch):
    """Every address a name resolves to is checked: one public answer does not excuse a private one."""
    answers = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, 80)) for a in ("93.184.215.14", "10.0.0.5")]
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: answers)
    with pytest.raises(image_fetch.Refused, match="10.0.0.5"):
        image_fetch.fetch("http://images.example/photo.jpg")


def test_the_connection_goes_to_the_checked_address(fetcher, server, monkeypatch):
    """The name is resolved once per hop and the socket opened to that checked address; a second,
    different DNS answer (rebinding) is never used. The request still names the host."""
    real = socket.getaddrinfo
    answers = iter(["127.0.0.1", "10.9.9.9"])

    def rebinding(host, port, *args, **kwargs):
        if host == "images.test":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    server.serve("/photo.jpg", picture(100, 100))
    data = image_fetch.fetch(f"http://images.test:{server.port}/photo.jpg")
    assert data == picture(100, 100)
    assert server.hosts == [f"images.test:{server.port}"]


def test_redirects_are_followed_a_few_times_each_hop_checked(fetcher, server):
    final = server.serve("/final.jpg", picture(100, 100))
    server.serve("/r1", b"", status=302, headers={"Location": "/final.jpg"})
    assert image_fetch.fetch(server.url("/r1")) == picture(100, 100)
    for n in range(5):  # a chain longer than MAX_REDIRECTS
        server.serve(f"/loop{n}", b"", status=301, headers={"Location": f"/loop{n + 1}"})
    with pytest.raises(image_fetch.Refused, match="redirects"):
        image_fetch.fetch(server.url("/loop0"))
    server.serve("/inside", b"", status=302, headers={"Location": "http://10.0.0.1/metadata"})
    with pytest.raises(image_fetch.Refused, match="refused address 10.0.0.1"):
        image_fetch.fetch(server.url("/inside"))
    server.serve("/odd", b"", status=302, headers={"Location": "file:///etc/passwd"})
    with pytest.raises(image_fetch.Refused, match="not an http"):
        image_fetch.fetch(server.url("/odd"))
    assert final


# --- failures and back-off ---

def test_a_slow_server_times_out_and_the_image_and_host_rest(fetcher, server):
    """A time-out is a failure: the image is retried after the back-off, and its host rests, so the
    host's other images wait too instead of each timing out in turn."""
    slow = article_with(server.serve("/slow.jpg", picture(100, 100), delay=2))
    started = time.monotonic()
    report = image_jobs.fetch_images(limit=1)
    assert time.monotonic() - started < 2
    assert report.failed == 1
    image = lead(slow)
    assert image.fetch_status == Image.FetchStatus.RETRY and "timed out" in image.fetch_error
    assert image.fetch_attempts == 1 and image.fetch_next_at > timezone.now() + timedelta(seconds=50)
    host = ImageHost.objects.get(host="127.0.0.1")
    assert host.failures == 1 and host.next_try_at > timezone.now()

    other = article_with(server.serve("/fine.jpg", picture(100, 100)))
    hits = len(server.hits)
    assert image_jobs.fetch_images().deferred == 1  # the host rests: not asked
    assert len(server.hits) == hits and lead(other).fetch_status == Image.FetchStatus.NEW


def test_after_the_back_off_a_failed_image_is_retried_and_success_clears_the_host(fetcher, server):
    article = article_with(server.serve("/flaky.jpg", b"", status=503))
    assert image_jobs.fetch_images().failed == 1
    assert image_jobs.fetch_images().failed == 0  # resting: not due yet
    past = timezone.now() - timedelta(seconds=1)
    Image.objects.update(fetch_next_at=past)
    ImageHost.objects.update(next_try_at=past)
    server.serve("/flaky.jpg", picture(200, 100))
    assert image_jobs.fetch_images().fetched == 1
    assert lead(article).fetch_status == Image.FetchStatus.DONE
    assert ImageHost.objects.get().failures == 0


def test_the_back_off_doubles_and_the_fetcher_gives_up(fetcher, server):
    article = article_with(server.serve("/down.jpg", b"", status=500))
    for attempt in range(1, image_jobs.MAX_ATTEMPTS + 1):
        Image.objects.update(fetch_next_at=timezone.now() - timedelta(seconds=1))
        ImageHost.objects.update(next_try_at=None)
        image_jobs.fetch_images()
        assert lead(article).fetch_attempts == attempt
    assert lead(article).fetch_status == Image.FetchStatus.GAVE_UP
    assert image_jobs.backoff(1) == timedelta(seconds=60) and image_jobs.backoff(3) == timedelta(seconds=240)
    assert image_jobs.backoff(40) == timedelta(days=1)


# --- off by default, and idempotent ---

def test_with_the_setting_off_nothing_is_fetched(settings, server):
    settings.NEWSROOM_FETCH_IMAGES = False
    settings.NEWSROOM_FETCH_ALLOW_HOSTS = frozenset({"127.0.0.1"})
    article = article_with(server.serve("/photo.jpg", picture(100, 100)))
    assert image_jobs.fetch_images() == image_jobs.FetchReport()
    assert image_jobs.enqueue_after_import(type("Report", (), {"created": 1, "updated": 0})()) is None
    with pytest.raises(CommandError, match="NEWSROOM_FETCH_IMAGES"):
        call_command("fetch_images", stdout=StringIO())
    assert server.hits == [] and lead(article).fetch_status == Image.FetchStatus.NEW


def test_the_default_settings_keep_the_fetcher_off_and_allow_no_private_address():
    from newsroom import settings as real

    assert real.NEWSROOM_FETCH_IMAGES is False and real.NEWSROOM_FETCH_ALLOW_HOSTS == frozenset()


def test_a_second_run_fetches_nothing_and_a_shared_url_is_fetched_once(fetcher, server):
    url = server.serve("/shared.jpg", picture(400, 200))
    first, second = article_with(url), article_with(url)
    report = image_jobs.fetch_images()
    assert (report.fetched, report.reused) == (1, 0)  # one request for both rows
    assert lead(first).renditions == lead(second).renditions != []
    assert server.hits == ["/shared.jpg"]
    assert image_jobs.fetch_images() == image_jobs.FetchReport()
    third = article_with(url)
    assert image_jobs.fetch_images().reused == 1  # another article naming it: no request
    assert lead(third).renditions == lead(first).renditions and server.hits == ["/shared.jpg"]


def test_a_re_import_keeps_the_renditions_unless_the_url_changed(fetcher, server, tmp_path):
    url = server.serve("/kept.jpg", picture(400, 200))
    source = tmp_path / "in"
    write(source, "a.md", front_matter(images=[{"url": url, "width": 400, "height": 200}]))
    import_paths([source])
    image_jobs.fetch_images()
    renditions = Image.objects.get().renditions
    # The file changes (the image's title too, so the image rows are rewritten), the URL stays.
    write(source, "a.md", front_matter(title="Changed", images=[{"url": url, "width": 400, "height": 200, "title": "t"}]))
    import_paths([source])
    image = Image.objects.get()
    assert image.title == "t" and image.renditions == renditions and image.fetch_status == "done"
    assert image_jobs.fetch_images() == image_jobs.FetchReport() and server.hits == ["/kept.jpg"]
    moved = server.serve("/moved.jpg", picture(300, 200))
    write(source, "a.md", front_matter(images=[{"url": moved, "width": 300, "height": 200}]))
    import_paths([source])
    assert Image.objects.get().fetch_status == ""
    (card,) = cards(Article.objects.with_cards())
    assert card["image_srcset"] == ""  # no renditions of another URL on the page meanwhile
    assert image_jobs.fetch_images().fetched == 1 and server.hits == ["/kept.jpg", "/moved.jpg"]


def test_an_edited_url_is_fetched_again_and_its_old_renditions_are_not_shown(fetcher, server):
    article = article_with(server.serve("/one.jpg", picture(400, 200)))
    image_jobs.fetch_images()
    Image.objects.update(url=server.serve("/two.jpg", picture(500, 200)))
    (card,) = cards(Article.objects.with_cards().filter(pk=article.pk))
    assert card["image_srcset"] == ""
    assert image_jobs.fetch_images().fetched == 1
    assert [w for w, _ in lead(article).renditions] == [320, 500]


def test_the_command_shows_a_summary_and_what_went_wrong(fetcher, server):
    article_with(server.serve("/ok.jpg", picture(100, 100)))
    article_with(server.url("/missing.jpg"))
    out = StringIO()
    call_command("fetch_images", "--no-progress", verbosity=2, stdout=out)
    text = out.getvalue()
    assert "Images: 1 fetched, 0 reused, 1 refused, 0 failed (will retry), 0 deferred (host resting)." in text
    assert f"refused {server.url('/missing.jpg')} (HTTP 404)" in text


def test_the_admin_list_shows_a_fetched_images_smallest_rendition(fetcher, server, admin_client):
    """The admin's thumbnail column, blank for feed images until now, shows the 320 px rendition."""
    article = article_with(server.serve("/photo.jpg", picture(800, 400)))
    image_jobs.fetch_images()
    page = admin_client.get(reverse("admin:articles_article_changelist")).content.decode()
    assert f'<img src="/media/{lead(article).renditions[0][1]}" alt="" width="64"' in page
