"""Everything editors and imports can do, interleaved (Hypothesis' stateful testing).

The machine imports generated files (new, changed, unchanged, naming old and new topic and
provider names, now and then an invalid one), edits and locks fields, hands fields back to the
source, renames and merges topics, merges providers, pins, publishes, unpublishes, schedules
and exports — through the functions the admin calls (articles.curation, articles.locks) and
the real `import_articles` / `export_articles` commands. A small model says what each article
must look like; after every step the invariants compare it with the database and with what
readers get from the site.

Run against the writer before issue 13 (articles/importer/write.py of 78159de), the default
settings find the merge-then-import crash (IntegrityError on articles_articletopic; the failing
example is in the commit that added this paragraph) and, with provider merges, the re-created
merged-away provider and its 404 page.

Examples and steps per run: EDITORIAL_PROFILE=editorial-long runs ten times more examples of
longer runs than `make test`'s default (EDITORIAL_EXAMPLES sets the default's examples).
"""

import datetime as dt
import os
import re
import shutil
import tempfile
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test
from taggit.models import Tag

from articles import curation
from articles.domains import normalize_domain
from articles.locks import update_locks
from articles.slugs import article_slug
from articles.models import Article, ArticleTopic, Provider, ProviderAlias, TopicRedirect, alias_key

pytestmark = pytest.mark.django_db(transaction=False)

settings.register_profile(
    "editorial-default",
    max_examples=int(os.environ.get("EDITORIAL_EXAMPLES", 30)),
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.register_profile(
    "editorial-long",
    max_examples=300,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
PROFILE = settings.get_profile(os.environ.get("EDITORIAL_PROFILE", "editorial-default"))

URLS = [f"https://wire.example/story-{i}" for i in range(5)]
# Names a file may give a topic: a few spellings of each, so that case and old names meet.
TOPIC_NAMES = ["Markets", "markets", "Business", "BUSINESS", "Economy", "Space", "Finance"]
RENAMES = ["Finance", "Trade", "Markets", "Business", "SPACE"]
# Publishers, as files spell them (www. and case do not make another provider).
DOMAINS = ["fox29.com", "www.fox29.com", "foxnews.com", "orbit.example", "Orbit.example"]
TITLES = ["Rates rise", "Rates fall", "Launch day", "Quiet week"]
PAST = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.timezone.utc)
WORD = "zebrafinch"  # in every excerpt: a search for it finds every public article

file_specs = st.fixed_dictionaries({
    "url": st.sampled_from(URLS),
    "title": st.sampled_from(TITLES),
    "topics": st.lists(st.sampled_from(TOPIC_NAMES), max_size=3),
    "domain": st.sampled_from(DOMAINS),
    "related_domain": st.sampled_from(DOMAINS),
    "published": st.booleans(),
    "heat": st.integers(0, 3),
    "images": st.sampled_from([None, [], [{"url": "https://img.example/a.jpg", "width": 10}]]),
})


def file_text(spec):
    data = {
        "title": spec["title"],
        "excerpt": f"About the {WORD}.",
        "webUrl": spec["url"],
        "publishedDateTime": PAST,
        "published": spec["published"],
        "heat": spec["heat"],
        "provider": {"name": spec["domain"].upper(), "domain": spec["domain"]},
        "topics": spec["topics"],
        "images": spec["images"],
        "related": [{
            "title": "Elsewhere", "webUrl": f"https://{spec['related_domain']}/elsewhere",
            "provider": {"name": "Other", "domain": spec["related_domain"]},
        }],
    }
    return f"---\n{yaml.safe_dump(data, sort_keys=False)}---\nAbout the {WORD}.\n"


def site_state():
    """What an export and re-import must leave as it was: each article's content, flags, locks,
    provider and topics (in order, with pins), images and related links."""
    rows = {}
    for a in Article.objects.select_related("provider").prefetch_related("images", "related_links__provider", "topic_links__tag"):
        rows[a.identity_url] = (
            a.title, a.slug, a.body, a.is_published, a.published_at, a.heat, a.provider.domain,
            a.provider_source, sorted(a.locked_fields or ()), a.source_keys, a.extra,
            [t.tag.name for t in sorted(a.topic_links.all(), key=lambda t: t.position)],
            sorted(t.tag.name for t in a.topic_links.all() if t.pinned),
            [(i.url, i.width) for i in sorted(a.images.all(), key=lambda i: i.position)],
            [(r.web_url, r.provider.domain if r.provider else None) for r in a.related_links.all()],
        )
    return rows


def article_ids(html):
    return {int(pk) for pk in re.findall(r"/articles/(\d+)/", html)}


class EditorialMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()  # each example starts from an empty database and is rolled back
        self.dir = Path(tempfile.mkdtemp(prefix="editorial-"))
        (self.dir / "src").mkdir()
        self.client = Client()
        self.files = {}  # url -> the spec of its file on disk (valid files only)
        # The model: what each article must hold.
        self.expected = {}  # url -> {title, is_published, future, heat, provider, topics}
        self.locks = {}  # url -> {field: the editor's value}
        self.handed_back = {}  # url -> fields handed back, applied by the next import
        self.live_topics = {}  # topic key -> name
        self.topic_alias = {}  # old topic key -> live topic key
        self.providers = set()  # live domains
        self.provider_alias = {}  # old domain -> live domain
        self.pins = set()  # (url, topic key)
        self.merged_topics, self.merged_providers = set(), set()

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)
        shutil.rmtree(self.dir, ignore_errors=True)

    # -- the model's resolution rules ---------------------------------------------------------

    def topic_key(self, name):
        key = alias_key(name)
        key = self.topic_alias.get(key, key)
        self.live_topics.setdefault(key, name.strip())
        return key

    def provider_domain(self, domain):
        domain = normalize_domain(domain)
        domain = self.provider_alias.get(domain, domain)
        self.providers.add(domain)
        return domain

    # -- imports -----------------------------------------------------------------------------

    def run_import(self, path):
        out, err = StringIO(), StringIO()
        try:
            call_command("import_articles", str(path), "--no-progress", "--workers", "1", stdout=out, stderr=err)
        except CommandError:
            pass  # refused files: checked below
        assert "Traceback" not in err.getvalue()
        return out.getvalue(), err.getvalue()

    def apply_file(self, spec):
        """The model's import of one valid file."""
        url = spec["url"]
        old = self.expected.get(url)
        if old is not None and self.files.get(url) == spec and not self.handed_back.get(url):
            return  # unchanged: skipped by its hash
        topics = []
        for name in spec["topics"]:
            key = self.topic_key(name)
            if key not in topics:
                topics.append(key)
        self.provider_domain(spec["related_domain"])
        new = {
            "title": spec["title"], "is_published": spec["published"], "future": False,
            "heat": spec["heat"], "provider": self.provider_domain(spec["domain"]), "topics": topics,
        }
        locks = self.locks.get(url, {})
        if old is not None:
            for field in locks:
                new[field] = old[field]
        self.expected[url] = new
        self.pins = {(u, k) for u, k in self.pins if u != url or k in topics}
        self.files[url] = spec
        self.handed_back.pop(url, None)

    @rule(specs=st.lists(file_specs, min_size=1, max_size=4, unique_by=lambda s: s["url"]), invalid=st.booleans())
    def import_files(self, specs, invalid):
        """New or changed files, with now and then a file the parser refuses in the same run."""
        batch = self.dir / "src"
        for spec in specs:
            (batch / f"{URLS.index(spec['url'])}.md").write_text(file_text(spec), encoding="utf-8")
        if invalid:
            (batch / "zz-invalid.md").write_text(f"---\ntitle: A\ntitle: B\nwebUrl: {URLS[0]}x\n---\n", encoding="utf-8")
        out, err = self.run_import(batch)
        (batch / "zz-invalid.md").unlink(missing_ok=True)
        for spec in specs:
            self.apply_file(spec)
        if invalid:
            assert "title: given twice" in err
        for url, spec in self.files.items():
            if spec not in specs:  # the other files of the directory were imported again unchanged
                self.apply_file(spec)

    @precondition(lambda self: self.files)
    @rule()
    def import_unchanged(self):
        self.run_import(self.dir / "src")
        for spec in list(self.files.values()):
            self.apply_file(spec)

    # -- editors -----------------------------------------------------------------------------

    def article(self, url):
        return Article.objects.get(identity_url=url)

    def lock(self, url, field, value):
        self.locks.setdefault(url, {})[field] = value
        self.expected[url][field] = value

    @precondition(lambda self: self.expected)
    @rule(data=st.data(), title=st.sampled_from(["Edited A", "Edited B"]))
    def edit_title(self, data, title):
        url = data.draw(st.sampled_from(sorted(self.expected)))
        article = self.article(url)
        Article.objects.filter(pk=article.pk).update(title=title, slug=article_slug(title))  # as the admin's form
        update_locks(article, changed=["title"], handed_back=[])
        self.lock(url, "title", title)

    @precondition(lambda self: self.expected)
    @rule(data=st.data(), value=st.booleans())
    def publish_or_unpublish(self, data, value):
        url = data.draw(st.sampled_from(sorted(self.expected)))
        curation.set_flag(Article.objects.filter(identity_url=url), "is_published", value, lock=True)
        self.lock(url, "is_published", value)

    @precondition(lambda self: self.expected)
    @rule(data=st.data())
    def schedule(self, data):
        url = data.draw(st.sampled_from(sorted(self.expected)))
        article = self.article(url)
        Article.objects.filter(pk=article.pk).update(published_at=timezone.now() + dt.timedelta(days=2))
        update_locks(article, changed=["published_at"], handed_back=[])
        self.lock(url, "future", True)

    @precondition(lambda self: any(self.locks.values()))
    @rule(data=st.data())
    def return_to_source(self, data):
        url = data.draw(st.sampled_from(sorted(u for u, locks in self.locks.items() if locks)))
        field = data.draw(st.sampled_from(sorted(self.locks[url])))
        column = {"future": "published_at"}.get(field, field)
        update_locks(self.article(url), changed=[], handed_back=[column])
        del self.locks[url][field]
        self.handed_back[url] = True  # its file applies again at the next import

    @precondition(lambda self: any(self.expected[u]["topics"] for u in self.expected))
    @rule(data=st.data())
    def pin(self, data):
        url = data.draw(st.sampled_from(sorted(u for u in self.expected if self.expected[u]["topics"])))
        key = data.draw(st.sampled_from(self.expected[url]["topics"]))
        curation.pin_to_topic(Article.objects.filter(identity_url=url), self.tag(key))
        self.pins.add((url, key))

    def tag(self, key):
        return Tag.objects.get(name__iexact=self.live_topics[key])

    @precondition(lambda self: len(self.live_topics) >= 2)
    @rule(data=st.data())
    def merge_topics(self, data):
        target, source = data.draw(st.lists(st.sampled_from(sorted(self.live_topics)), min_size=2, max_size=2, unique=True))
        curation.merge_topics(self.tag(target), [self.tag(source)])
        for old, live in list(self.topic_alias.items()):
            if live == source:
                self.topic_alias[old] = target
        self.topic_alias[source] = target
        del self.live_topics[source]
        self.merged_topics.add(source)
        for state in self.expected.values():
            state["topics"] = list(dict.fromkeys(target if k == source else k for k in state["topics"]))
        self.pins = {(u, target if k == source else k) for u, k in self.pins}

    @precondition(lambda self: self.live_topics)
    @rule(data=st.data(), new_name=st.sampled_from(RENAMES))
    def rename_topic(self, data, new_name):
        key = data.draw(st.sampled_from(sorted(self.live_topics)))
        new_key = alias_key(new_name)
        if new_key in self.live_topics and new_key != key:
            return  # the admin refuses: "merge the two instead"
        tag = self.tag(key)
        old_name, old_slug = tag.name, tag.slug
        tag.name, tag.slug = new_name, tag.slugify(new_name)
        tag.save()
        curation.rename_topic(tag, old_slug, old_name)  # what TopicAdmin.save_model calls
        del self.live_topics[key]
        self.live_topics[new_key] = new_name
        self.topic_alias.pop(new_key, None)  # live again
        self.merged_topics.discard(new_key)
        if new_key != key:
            for old, live in list(self.topic_alias.items()):
                if live == key:
                    self.topic_alias[old] = new_key
            self.topic_alias[key] = new_key
            for state in self.expected.values():
                state["topics"] = [new_key if k == key else k for k in state["topics"]]
            self.pins = {(u, new_key if k == key else k) for u, k in self.pins}

    @precondition(lambda self: len(self.providers) >= 2)
    @rule(data=st.data())
    def merge_providers(self, data):
        target, source = data.draw(st.lists(st.sampled_from(sorted(self.providers)), min_size=2, max_size=2, unique=True))
        curation.merge_providers(Provider.objects.get(domain=target), [Provider.objects.get(domain=source)])
        for old, live in list(self.provider_alias.items()):
            if live == source:
                self.provider_alias[old] = target
        self.provider_alias[source] = target
        self.providers.discard(source)
        self.merged_providers.add(source)
        for url, state in self.expected.items():
            if state["provider"] == source:
                self.lock(url, "provider", target)  # merge_providers locks the moved articles' provider

    @precondition(lambda self: self.expected)
    @rule()
    def export_and_import_the_whole_site(self):
        before = site_state()
        out = self.dir / "export"
        call_command("export_articles", str(out), "--no-progress", stdout=StringIO(), stderr=StringIO())
        self.run_import(out)
        shutil.rmtree(out)
        assert site_state() == before
        for url in self.expected:
            self.handed_back[url] = True  # stored hashes are the export's now: the next import re-reads the files

    # -- invariants --------------------------------------------------------------------------

    @invariant()
    def every_valid_file_has_its_article_as_the_model_says(self):
        stored = {
            a.identity_url: a for a in Article.objects.select_related("provider").prefetch_related("topic_links__tag")
        }
        assert set(stored) == set(self.expected)
        now = timezone.now()
        for url, want in self.expected.items():
            a = stored[url]
            got = {
                "title": a.title, "is_published": a.is_published, "future": a.published_at > now,
                "heat": a.heat, "provider": a.provider.domain,
                "topics": [alias_key(t.tag.name) for t in sorted(a.topic_links.all(), key=lambda t: t.position)],
            }
            assert got == want, url
            for field, value in self.locks.get(url, {}).items():
                assert got[field] == value  # locked fields hold the editor's value

    @invariant()
    def merged_away_names_never_come_back(self):
        live_topics = {alias_key(name) for name in Tag.objects.values_list("name", flat=True)}
        assert live_topics == set(self.live_topics)
        assert not live_topics & (self.merged_topics - set(self.live_topics))
        assert set(Provider.objects.values_list("domain", flat=True)) == self.providers
        assert not self.providers & set(self.provider_alias)
        # No alias names a live topic or provider, or points at itself.
        assert not TopicRedirect.objects.filter(old_key__in=live_topics).exists()
        assert not TopicRedirect.objects.filter(old_slug__in=Tag.objects.values("slug")).exists()
        assert set(ProviderAlias.objects.values_list("domain", flat=True)) == set(self.provider_alias)
        pinned = set(ArticleTopic.objects.filter(pinned=True).values_list("content_object__identity_url", "tag__name"))
        assert {(u, alias_key(n)) for u, n in pinned} == self.pins

    @invariant()
    def every_old_address_redirects_to_a_live_page_in_one_hop(self):
        live_slugs = set(Tag.objects.values_list("slug", flat=True))
        for slug in TopicRedirect.objects.exclude(old_slug=None).values_list("old_slug", flat=True):
            response = self.client.get(f"/topics/{slug}/")
            assert response.status_code == 301
            assert response["Location"].split("/")[2] in live_slugs
        for domain in self.provider_alias:
            response = self.client.get(f"/providers/{domain}/")
            assert response.status_code == 301
            assert response["Location"] == f"/providers/{self.provider_alias[domain]}/"

    @invariant()
    def readers_see_exactly_the_public_articles(self):
        public = {
            Article.objects.get(identity_url=url).pk
            for url, want in self.expected.items()
            if want["is_published"] and not want["future"]
        }
        pages = {
            "home": self.client.get("/"),
            "feed": self.client.get("/feed/"),
            "search": self.client.get("/search/", {"q": WORD}),
        }
        for name, response in pages.items():
            assert response.status_code == 200, name
            assert article_ids(response.content.decode()) == public, name
        for key, name in self.live_topics.items():
            tagged = {
                Article.objects.get(identity_url=url).pk
                for url, want in self.expected.items()
                if key in want["topics"]
            } & public
            response = self.client.get(f"/topics/{self.tag(key).slug}/")
            if tagged:
                assert article_ids(response.content.decode()) == tagged, name
            else:
                assert response.status_code == 404, name


def test_editors_changes_hold_through_every_later_import():
    run_state_machine_as_test(EditorialMachine, settings=PROFILE)
