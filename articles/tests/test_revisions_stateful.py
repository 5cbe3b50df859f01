"""Imports, editors' edits and restores interleaved: the newest version is always the article as
stored, and a restore gives back exactly the version's values (Hypothesis state machine)."""

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from articles import revisions
from articles.importer import import_paths
from articles.locks import update_locks
from articles.models import Article, ArticleVersion

from .admin_factories import editor, write_file

pytestmark = pytest.mark.django_db

TITLES = st.sampled_from(["Flood vote", "Flood vote passes", "Sea walls funded", "Night session ends"])
TOPICS = st.sampled_from([("AI",), ("AI", "Climate"), ("Climate",), ("Politics", "AI")])


class VersionsMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="versions-"))
        self.user = editor(f"editor-{id(self)}")

    def teardown(self):
        shutil.rmtree(self.folder, ignore_errors=True)
        Article.objects.all().delete()
        self.user.delete()

    def article(self):
        return Article.objects.first()

    @rule(title=TITLES, heat=st.integers(0, 3), topics=TOPICS)
    def import_the_file(self, title, heat, topics):
        write_file(self.folder, "story.md", title=title, heat=heat, topics=topics, url="https://n.example/story")
        assert import_paths([self.folder], workers=1).ok

    @precondition(lambda self: Article.objects.exists())
    @rule(title=TITLES)
    def editor_changes_the_title(self, title):
        article = self.article()
        Article.objects.filter(pk=article.pk).update(title=title)
        update_locks(article, changed=["title"], handed_back=())
        revisions.record([article.pk], user=self.user, message="Changed title.")

    @precondition(lambda self: ArticleVersion.objects.exists())
    @rule(data=st.data())
    def editor_restores_a_version(self, data):
        article = self.article()
        versions = list(article.versions.all())
        version = data.draw(st.sampled_from(versions))
        before = revisions.current_snapshots([article.pk])[article.pk]
        fields = revisions.restore(article, version, user=self.user)
        after = revisions.current_snapshots([article.pk])[article.pk]
        for name in fields:
            assert after[name] == version.snapshot[name], name
        for name in set(before) - set(fields):
            assert after[name] == before[name], f"{name} changed without being restored"
        assert set(fields) <= set(Article.objects.get(pk=article.pk).locked_fields)

    @invariant()
    def the_newest_version_is_the_article_as_stored(self):
        article = self.article()
        if article is None:
            return
        newest = article.versions.first()
        assert newest is not None, "an article without a version"
        now = revisions.current_snapshots([article.pk])[article.pk]
        assert revisions.changes(newest.snapshot, now) == []


def test_versions_follow_imports_edits_and_restores():
    run_state_machine_as_test(
        VersionsMachine,
        settings=settings(max_examples=15, stateful_step_count=8, deadline=None, derandomize=True, database=None,
                          suppress_health_check=[HealthCheck.too_slow]),
    )
