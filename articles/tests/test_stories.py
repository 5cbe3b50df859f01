"""Stories in the database: cluster_stories, related-link hints, editors' decisions and --rebuild."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from articles.models import Article, Story, StoryDecision
from articles.stories import curation
from articles.tests.importing import front_matter, write

pytestmark = pytest.mark.django_db

HEADLINES = [
    ("a1", "Malaysia Airlines flight MH370 vanishes over South China Sea", "news-one.example"),
    ("a2", "Search widens for missing Malaysia Airlines jet MH370", "news-two.example"),
    ("a3", "Missing Malaysian plane MH370: search area widened again", "news-three.example"),
    ("b1", "Apple releases iOS 7.1 with CarPlay and Touch ID fixes", "news-one.example"),
    ("b2", "iOS 7.1 update arrives: CarPlay, faster iPhone 4, Touch ID fix", "news-two.example"),
]


def make_files(directory, headlines=HEADLINES, **extra):
    for n, (key, title, domain) in enumerate(headlines):
        write(directory, f"{key}.md", front_matter(
            title=title, webUrl=f"https://{domain}/{key}", provider={"name": domain, "domain": domain},
            publishedDateTime=f"2026-11-20T0{n}:00:00Z", topics=["World"], drop=["related"], **extra.get(key, {}),
        ))


def by_key():
    return {a.identity_url.rsplit("/", 1)[1]: a for a in Article.objects.all()}


def imported(tmp_path, headlines=HEADLINES, **extra):
    make_files(tmp_path, headlines, **extra)
    call_command("import_articles", str(tmp_path), stdout=StringIO(), stderr=StringIO())
    return by_key()


def test_cluster_stories_places_pending_articles_by_story_and_then_has_nothing_to_do(tmp_path):
    imported(tmp_path)
    assert Article.objects.filter(story__isnull=True).count() == 5
    out = StringIO()
    call_command("cluster_stories", stdout=out)
    assert "5 article(s) placed" in out.getvalue()
    a = by_key()
    assert a["a1"].story_id == a["a2"].story_id == a["a3"].story_id
    assert a["b1"].story_id == a["b2"].story_id
    assert a["a1"].story_id != a["b1"].story_id
    story = Story.objects.get(pk=a["a1"].story_id)
    assert (story.size, story.outlets, story.lead_id) == (3, 3, a["a1"].pk)  # lead: first published
    out = StringIO()
    call_command("cluster_stories", stdout=out)
    assert "0 article(s) placed" in out.getvalue()


def test_a_related_link_puts_an_article_in_the_story_it_names(tmp_path):
    headlines = HEADLINES + [("a4", "Families of passengers wait for news in Beijing", "news-four.example")]
    linked = {"a4": {"related": [{"title": "x", "webUrl": "https://news-one.example/a1"}]}}
    imported(tmp_path / "unlinked", headlines)
    call_command("cluster_stories", stdout=StringIO())
    assert by_key()["a4"].story_id != by_key()["a1"].story_id  # the titles alone are too far apart
    Article.objects.all().delete()
    imported(tmp_path / "linked", headlines, **linked)
    call_command("cluster_stories", stdout=StringIO())
    a = by_key()
    assert a["a4"].story_id == a["a1"].story_id
    assert a["b1"].story_id != a["a1"].story_id


def test_editors_decisions_survive_a_rebuild(tmp_path, django_user_model):
    editor = django_user_model.objects.create_user("ed")
    imported(tmp_path)
    call_command("cluster_stories", stdout=StringIO())
    a = by_key()
    plane, apple = Story.objects.get(pk=a["a1"].story_id), Story.objects.get(pk=a["b1"].story_id)
    alone = curation.keep_apart(a["a3"], user=editor)
    curation.move_to_story([a["b2"]], plane, user=editor)
    curation.choose_lead(plane, Article.objects.get(pk=a["a2"].pk), user=editor)

    call_command("cluster_stories", "--rebuild", stdout=StringIO())

    a = by_key()
    plane.refresh_from_db()
    assert a["a3"].story_id == alone.pk and Story.objects.get(pk=alone.pk).size == 1
    assert a["b2"].story_id == plane.pk and a["a2"].story_id == plane.pk
    assert a["a1"].story_id != alone.pk  # a locked story takes no newcomers
    assert plane.lead_id == a["a2"].pk and plane.lead_chosen
    assert a["b1"].story_id != alone.pk
    assert StoryDecision.objects.get(article_id=a["b2"].pk).decided_by == editor
    assert not Story.objects.filter(pk=apple.pk, size=0).exists()


def test_merging_stories_moves_their_articles_and_a_rebuild_keeps_them_together(tmp_path):
    imported(tmp_path)
    call_command("cluster_stories", stdout=StringIO())
    a = by_key()
    plane, apple = Story.objects.get(pk=a["a1"].story_id), Story.objects.get(pk=a["b1"].story_id)
    assert curation.merge_stories(plane, [apple]) == 2
    assert not Story.objects.filter(pk=apple.pk).exists()
    call_command("cluster_stories", "--rebuild", stdout=StringIO())
    assert set(Article.objects.values_list("story_id", flat=True)) == {plane.pk}
    plane.refresh_from_db()
    assert (plane.size, plane.outlets) == (5, 3)


def test_choosing_a_lead_from_another_story_is_refused(tmp_path):
    imported(tmp_path)
    call_command("cluster_stories", stdout=StringIO())
    a = by_key()
    with pytest.raises(ValueError):
        curation.choose_lead(Story.objects.get(pk=a["a1"].story_id), a["b1"])


@override_settings(NEWSROOM_STORIES_AFTER_IMPORT=True)
def test_an_import_queues_the_clustering_of_what_it_wrote(tmp_path):
    # The test settings run tasks at once: the queued task has run when the import returns.
    imported(tmp_path)
    assert not Article.objects.filter(story__isnull=True).exists()
    call_command("import_articles", str(tmp_path), stdout=StringIO(), stderr=StringIO())  # nothing new
    assert Story.objects.count() == 2


def test_the_queued_task_steps_aside_while_another_run_holds_the_lock(tmp_path):
    from articles.stories.assign import clustering_lock
    from articles.stories.tasks import cluster_new_articles

    imported(tmp_path)
    with clustering_lock() as held:
        assert held
        result = cluster_new_articles.call()
    assert "skipped" in result
    assert Article.objects.filter(story__isnull=True).count() == 5  # left for the run holding the lock
    assert cluster_new_articles.call()["articles"] == 5
