"""The front page's ranking: heat halved every half-life of age, ages from the newest story."""

from datetime import datetime, timedelta, timezone

from articles import ranking
from articles.ranking import Candidate

NOW = datetime(2026, 11, 30, 12, tzinfo=timezone.utc)


def test_score_halves_every_half_life():
    assert ranking.score(99, NOW, NOW, half_life=24) == 100
    assert ranking.score(99, NOW - timedelta(hours=24), NOW, half_life=24) == 50
    assert ranking.score(None, NOW - timedelta(hours=48), NOW, half_life=24) == 0.25


def test_the_half_life_comes_from_settings(settings):
    settings.NEWSROOM_HEAT_HALF_LIFE_HOURS = 1
    old = Candidate(1, 1000, NOW - timedelta(hours=24))
    new = Candidate(2, 0, NOW)
    assert ranking.top_stories([old, new], 2) == [2, 1]
    settings.NEWSROOM_HEAT_HALF_LIFE_HOURS = 24 * 365
    assert ranking.top_stories([old, new], 2) == [1, 2]


def test_ages_count_from_the_newest_candidate_not_the_clock():
    """Years-old candidates score as if the newest were current: the order is the same."""
    long_ago = NOW - timedelta(days=2000)
    recent = [Candidate(1, 50, NOW - timedelta(days=1)), Candidate(2, 295, NOW - timedelta(days=6 * 365))]
    shifted = [Candidate(c.pk, c.heat, c.published_at - (NOW - long_ago)) for c in recent]
    assert ranking.top_stories(recent, 2) == ranking.top_stories(shifted, 2) == [1, 2]


def test_pinned_stories_come_first_and_ties_go_to_the_newer():
    a = Candidate(1, 10, NOW)
    b = Candidate(2, 10, NOW)
    pinned = Candidate(3, 0, NOW - timedelta(days=30), pinned_home=True)
    assert ranking.top_stories([a, b, pinned], 3) == [3, 2, 1]


def test_trending_topics_add_up_their_stories_scores():
    fresh = Candidate(1, 10, NOW)
    old_a = Candidate(2, 500, NOW - timedelta(days=30))
    old_b = Candidate(3, 500, NOW - timedelta(days=30))
    rows = [(1, "Budget", "budget"), (2, "Pandemic", "pandemic"), (3, "Pandemic", "pandemic")]
    topics = ranking.trending_topics([fresh, old_a, old_b], rows, 5)
    assert [t["slug"] for t in topics] == ["budget", "pandemic"]
    assert topics[1]["articles"] == 2
    assert ranking.trending_topics([], [], 5) == []
