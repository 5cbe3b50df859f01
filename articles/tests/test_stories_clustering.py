"""The incremental clusterer on hand-made vectors: joining, windows, hints, locks, merges."""

import numpy as np

from articles.stories.clustering import Clusterer, Story, bcubed

DAY = 24 * 3600


def unit(*values):
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def test_an_article_joins_the_nearest_story_or_starts_one():
    c = Clusterer(join=0.8, merge=0.95)
    a = c.add(1, unit(1, 0, 0), 0)
    b = c.add(2, unit(0.95, 0.05, 0), 60)
    other = c.add(3, unit(0, 1, 0), 120)
    assert a == b
    assert other != a


def test_a_story_outside_the_window_takes_no_newcomer():
    c = Clusterer(join=0.8, window=DAY)
    first = c.add(1, unit(1, 0), 0)
    assert c.add(2, unit(1, 0), 2 * DAY) != first
    assert c.add(3, unit(1, 0), 2 * DAY + 10) == c.add(4, unit(1, 0), 2 * DAY + 20)


def test_a_related_link_hint_lowers_the_bar_but_not_to_nothing():
    c = Clusterer(join=0.8, hint_floor=0.15)
    story = c.add(1, unit(1, 0), 0)
    assert c.add(2, unit(0.3, 1), 10, hint=story) == story  # similarity ~0.29: joins by the link
    assert c.add(3, unit(-1, 0.2), 20, hint=story) != story  # nothing in common: the link is not enough


def test_a_locked_story_takes_no_newcomers_and_is_never_merged():
    locked = Story(key=7, total=unit(1, 0), size=1, first=0, last=0, locked=True)
    c = Clusterer([locked], join=0.5, merge=0.5)
    assert c.add(1, unit(1, 0), 10) != 7
    assert c.add(2, unit(1, 0), 20, hint=7) != 7
    assert 7 in c.stories and c.stories[7].size == 1


def test_two_halves_merge_and_the_first_published_survives():
    stored = Story(key=5, total=unit(1, 0.3), size=1, first=100, last=100)
    c = Clusterer([stored], join=0.99, merge=0.9)
    newer = c.add(1, unit(1, -0.3), 50)  # earlier article, too far for joining
    assert newer != 5
    c.add(2, unit(1, 0), 60)  # the story between them brings the halves together
    assert c.resolve(5) == c.resolve(newer)
    assert c.resolve(5) == newer  # published first (50 < 100)


def test_bcubed_scores_a_perfect_and_a_lumped_clustering():
    gold = ["a", "a", "b", "b"]
    assert bcubed([1, 1, 2, 2], gold) == (1.0, 1.0, 1.0)
    precision, recall, _ = bcubed([1, 1, 1, 1], gold)
    assert (precision, recall) == (0.5, 1.0)
