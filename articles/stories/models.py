"""Stories' tables: the story, each article's title vector, and editors' decisions.

Imported by `articles.models` (the app's models module), so Django registers them there.
"""

import numpy as np
from django.conf import settings
from django.db import models


class StoryQuerySet(models.QuerySet):
    def editable_by_clustering(self):
        return self.filter(locked=False)


class Story(models.Model):
    """One event's coverage across outlets: the articles that report it."""

    lead = models.ForeignKey(
        "articles.Article", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text="The article that stands for the story. Computed (the first published) unless an editor chose it.",
    )
    lead_chosen = models.BooleanField(
        "lead chosen by an editor", default=False,
        help_text="Set when an editor chose the lead: clustering then leaves it alone.",
    )
    locked = models.BooleanField(
        default=False,
        help_text="An editor settled its articles: clustering adds none to it and never merges it.",
    )
    size = models.PositiveIntegerField(default=0, editable=False, help_text="Articles in the story.")
    outlets = models.PositiveIntegerField(default=0, editable=False, help_text="Providers covering it.")
    first_published_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_published_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The unit mean of its articles' title vectors: what "More like this" compares.
    centroid = models.BinaryField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StoryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "stories"
        ordering = ["-last_published_at", "-id"]
        indexes = [models.Index(fields=["-last_published_at"], name="story_last_published")]

    def __str__(self):
        return f"Story {self.pk}" + (f": {self.lead}" if self.lead_id and self.lead else "")  # isolated title

    def centroid_vector(self):
        return np.frombuffer(bytes(self.centroid), dtype=np.float32) if self.centroid else None


class ArticleVector(models.Model):
    """An article's title vector, kept so that re-clustering does not compute it again."""

    article = models.OneToOneField(
        "articles.Article", on_delete=models.CASCADE, primary_key=True, related_name="vector"
    )
    text_hash = models.CharField(max_length=64, help_text="SHA-256 of the text the vector was computed from.")
    vector = models.BinaryField()

    def as_array(self):
        return np.frombuffer(bytes(self.vector), dtype=np.float32)


class StoryDecision(models.Model):
    """An editor put this article in this story (or alone in a locked story of its own):
    clustering and `cluster_stories --rebuild` keep it there."""

    article = models.OneToOneField(
        "articles.Article", on_delete=models.CASCADE, primary_key=True, related_name="story_decision"
    )
    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="decisions")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.article_id} → story {self.story_id}"
