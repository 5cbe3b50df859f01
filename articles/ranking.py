"""What the front page calls news: a story's heat, halved for every half-life of its age.

    score = (heat + 1) × 0.5 ^ (age_hours / NEWSROOM_HEAT_HALF_LIFE_HOURS)

`heat` is the feed's trending score (none counts as 0; the +1 lets a story without heat still
rank by freshness). `age` is measured from the newest public article, not from the clock, so an
archive with nothing recent (old demo data, a paused import) still leads with its newest
stories instead of ranking every story as equally dead. With a 24-hour half-life, yesterday's
story with heat 50 scores ~25 and a six-year-old one with heat 295 scores ~0.

Only a bounded set of candidates is scored (the newest CANDIDATES public articles, read from the
published-date index), so the cost does not grow with the corpus. Trending topics add up the
scores of the candidates that carry them.
"""

from dataclasses import dataclass

from django.conf import settings

# How many of the newest public articles the front page scores.
CANDIDATES = 200


@dataclass(frozen=True)
class Candidate:
    pk: int
    heat: int | None
    published_at: object  # an aware datetime
    pinned_home: bool = False
    story_id: int | None = None  # the front page shows one card per story (articles/stories/)


def half_life_hours():
    return float(settings.NEWSROOM_HEAT_HALF_LIFE_HOURS)


def score(heat, published_at, anchor, *, half_life=None):
    """The story's heat weighed by its age at `anchor` (the newest public article's time)."""
    half_life = half_life or half_life_hours()
    age_hours = max((anchor - published_at).total_seconds() / 3600, 0.0)
    return ((heat or 0) + 1) * 0.5 ** (age_hours / half_life)


def scores(candidates, *, half_life=None):
    """{pk: score} for `candidates`, their ages measured from the newest of them."""
    if not candidates:
        return {}
    anchor = max(c.published_at for c in candidates)
    return {c.pk: score(c.heat, c.published_at, anchor, half_life=half_life) for c in candidates}


def top_stories(candidates, limit, *, half_life=None):
    """The pks of the `limit` top stories: pinned to home first (newest first), then by score,
    ties broken by the newer story."""
    by_score = scores(candidates, half_life=half_life)
    ordered = sorted(
        candidates,
        key=lambda c: (not c.pinned_home, -by_score[c.pk], -c.published_at.timestamp(), -c.pk),
    )
    return [c.pk for c in ordered[:limit]]


def trending_topics(candidates, topic_rows, limit, *, half_life=None):
    """The `limit` topics whose candidates score highest together.

    `topic_rows`: (article pk, topic name, topic slug) for the candidates' topics. Each result is
    {"name", "slug", "articles"} (how many candidates carry it); ties go to more articles, then A–Z.
    """
    by_score = scores(candidates, half_life=half_life)
    totals = {}
    for pk, name, slug in topic_rows:
        entry = totals.setdefault(slug, {"name": name, "slug": slug, "articles": 0, "score": 0.0})
        entry["articles"] += 1
        entry["score"] += by_score.get(pk, 0.0)
    ranked = sorted(totals.values(), key=lambda t: (-t["score"], -t["articles"], t["name"]))
    return [{"name": t["name"], "slug": t["slug"], "articles": t["articles"]} for t in ranked[:limit]]
