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


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

vectors = st.lists(st.floats(-1, 1, allow_nan=False, width=32), min_size=3, max_size=3).filter(
    lambda v: sum(x * x for x in v) > 0.01
)


@settings(max_examples=60, deadline=None)
@given(
    articles=st.lists(st.tuples(vectors, st.integers(0, 10 * DAY), st.booleans()), min_size=1, max_size=30),
    locked_vector=vectors,
)
def test_every_article_ends_in_one_live_story_and_locked_stories_never_change(articles, locked_vector):
    """Whatever the vectors, times and hints: each article's story exists, the sizes add up, and the
    locked story keeps exactly its one member."""
    locked = Story(key=1, total=unit(*locked_vector), size=1, first=0, last=0, locked=True)
    c = Clusterer([locked], join=0.5, merge=0.6, window=DAY)
    placed, vecs = {}, {}
    for n, (values, when, hinted) in enumerate(articles):
        vecs[n] = unit(*values)
        hint = placed[n - 1] if hinted and n else (1 if hinted else None)
        placed[n] = c.add(n, vecs[n], when, hint=hint)
    placed = c.refine(vecs, placed)
    final = {pk: c.resolve(key) for pk, key in placed.items()}
    assert all(key in c.stories for key in final.values())
    assert 1 not in final.values() and c.stories[1].size == 1
    assert sum(s.size for s in c.stories.values()) == len(articles) + 1
    for key, story in c.stories.items():
        members = [pk for pk, k in final.items() if k == key]
        assert story.size == len(members) + (1 if key == 1 else 0)
        assert np.allclose(story.total, sum((vecs[pk] for pk in members), locked.total * 0 if key != 1 else locked.total),
                           atol=1e-4)
