"""Editors' story decisions: move articles, keep one out on its own, merge stories, choose the lead.

Each one records a StoryDecision for the articles it places, so that `cluster_stories` (and its
`--rebuild`) leaves them where the editor put them. Atomic; the admin and the tests call these.
"""

from django.db import transaction

from ..models import Article, Story, StoryDecision
from ..page_cache import content_changed
from .assign import refresh_stories


def _decide(article_ids, story, user):
    for article_id in article_ids:
        StoryDecision.objects.update_or_create(
            article_id=article_id, defaults={"story": story, "decided_by": user}
        )


@transaction.atomic
def move_to_story(articles, story, *, user=None):
    """Put the articles into `story`; returns how many moved."""
    ids = list(Article.objects.filter(pk__in=[getattr(a, "pk", a) for a in articles]).values_list("pk", flat=True))
    before = set(Article.objects.filter(pk__in=ids).values_list("story_id", flat=True))
    moved = Article.objects.filter(pk__in=ids).exclude(story=story).update(story=story)
    _decide(ids, story, user)
    refresh_stories(before | {story.pk})
    content_changed()
    return moved


@transaction.atomic
def keep_apart(article, *, user=None):
    """Take the article out of its story, alone in a locked story of its own; returns that story."""
    story = Story.objects.create(locked=True)
    move_to_story([article], story, user=user)
    return story


@transaction.atomic
def merge_stories(target, others, *, user=None):
    """Move every article of `others` into `target` and delete them; returns how many articles moved."""
    other_ids = [s.pk for s in others if s.pk != target.pk]
    ids = list(Article.objects.filter(story_id__in=other_ids).values_list("pk", flat=True))
    # The target's own articles are settled too: a rebuild keeps the merged story whole.
    members = list(Article.objects.filter(story=target).values_list("pk", flat=True))
    Article.objects.filter(pk__in=ids).update(story=target)
    _decide(ids + members, target, user)
    Story.objects.filter(pk__in=other_ids).delete()
    refresh_stories({target.pk})
    content_changed()
    return len(ids)


@transaction.atomic
def choose_lead(story, article, *, user=None):
    """Make `article` (already one of the story's) the story's lead; it stays in the story."""
    if article.story_id != story.pk:
        raise ValueError("The lead must be one of the story's own articles.")
    Story.objects.filter(pk=story.pk).update(lead=article, lead_chosen=True)
    _decide([article.pk], story, user)
    content_changed()
