"""Incremental story clustering over unit title vectors. Pure: no database, no model.

An article joins the story whose centroid (the mean of its members' vectors) is nearest, if the
cosine similarity reaches JOIN and the story is within WINDOW of the article's time; otherwise it
starts a story. A story that grew is then merged with its nearest story while their centroids reach
MERGE: two halves of one story that started apart come together as coverage fills in. At the end
of a run, `refine()` looks at the run's articles once more and moves each to the story now nearest
it, so that an early article is not stuck where it landed before its story's coverage came. A feed's
`related` link to an already placed article is a strong hint: the article joins that story if their
titles share anything at all (HINT_FLOOR), however far below JOIN.

Locked stories (an editor chose their members) take no newcomers and are never merged. Which of two
merged stories survives: the one first published (then the smaller key), so results do not depend on
which half grew last. Articles are processed in the order given; callers sort them by time.

The thresholds are tuned on ../shared/stories/dev.csv (docs/benchmarks.md, "Stories").
"""

from dataclasses import dataclass, field

import numpy as np

JOIN = 0.45
MERGE = 0.50
HINT_FLOOR = 0.15  # a related link joins its story unless the titles have nothing in common
WINDOW_SECONDS = 3 * 24 * 3600


@dataclass
class Story:
    key: object
    total: np.ndarray  # sum of member vectors
    size: int
    first: float  # seconds since the epoch
    last: float
    locked: bool = False
    members: list = field(default_factory=list)  # article keys added in this run


class Clusterer:
    """Holds the stories near the articles being placed; `add()` places one article."""

    def __init__(self, stories=(), *, join=JOIN, merge=MERGE, window=WINDOW_SECONDS, hint_floor=HINT_FLOOR,
                 new_key=None):
        self.join, self.merge, self.window, self.hint_floor = join, merge, window, hint_floor
        self.stories = {}  # key -> Story
        self.merged_into = {}  # dropped key -> surviving key
        self._new = 0
        self._time = {}  # article key -> its time, for refine()
        self._new_key = new_key or self._default_new_key
        self._keys, self._rows = [], {}
        self._total = np.zeros((16, 0), dtype=np.float32)
        self._norm = np.zeros(16, dtype=np.float32)
        self._first = np.zeros(16)
        self._last = np.zeros(16)
        self._open = np.zeros(16, dtype=bool)  # alive and not locked
        for story in stories:
            self._put(story)

    def _default_new_key(self):
        self._new += 1
        return ("new", self._new)

    # Story rows live in growable arrays, so a placement is two matrix-vector products.
    def _put(self, story):
        if self._total.shape[1] == 0:
            self._total = np.zeros((16, story.total.shape[0]), dtype=np.float32)
        row = len(self._keys)
        if row == len(self._norm):
            grow = len(self._norm)
            self._total = np.vstack([self._total, np.zeros_like(self._total[:grow])])
            self._norm = np.concatenate([self._norm, np.zeros(grow, dtype=np.float32)])
            self._first = np.concatenate([self._first, np.zeros(grow)])
            self._last = np.concatenate([self._last, np.zeros(grow)])
            self._open = np.concatenate([self._open, np.zeros(grow, dtype=bool)])
        self._keys.append(story.key)
        self._rows[story.key] = row
        self.stories[story.key] = story
        self._sync(story)

    def _sync(self, story):
        row = self._rows[story.key]
        self._total[row] = story.total
        self._norm[row] = np.linalg.norm(story.total) or 1.0
        self._first[row], self._last[row] = story.first, story.last
        self._open[row] = not story.locked

    def _nearest(self, vector, when, *, exclude=None):
        n = len(self._keys)
        candidates = self._open[:n] & (self._last[:n] >= when - self.window) & (self._first[:n] <= when + self.window)
        if exclude is not None:
            candidates[self._rows[exclude]] = False
        if not candidates.any():
            return None, -1.0
        rows = np.flatnonzero(candidates)
        sims = (self._total[rows] @ vector) / self._norm[rows]
        best = int(np.argmax(sims))
        return self._keys[rows[best]], float(sims[best])

    def _similarity(self, key, vector):
        row = self._rows[key]
        return float(self._total[row] @ vector) / self._norm[row]

    def resolve(self, key):
        while key in self.merged_into:
            key = self.merged_into[key]
        return key

    def add(self, article_key, vector, when, *, hint=None):
        """Place one article (unit `vector`, `when` in seconds); returns its story's key."""
        key = self.resolve(hint) if hint is not None else None
        if key is not None and (key not in self.stories or self.stories[key].locked
                                or self._similarity(key, vector) < self.hint_floor):
            key = None
        if key is None:
            key, similarity = self._nearest(vector, when)
            if key is not None and similarity < self.join:
                key = None
        if key is None:
            story = Story(self._new_key(), vector.astype(np.float32).copy(), 0, when, when)
            self._put(story)
        else:
            story = self.stories[key]
            story.total = story.total + vector
        story.size += 1
        story.first, story.last = min(story.first, when), max(story.last, when)
        story.members.append(article_key)
        self._time[article_key] = when
        self._sync(story)
        return self._merge_around(story.key)

    def refine(self, vectors, placed):
        """Second look at this run's articles (`vectors`, `placed`: {article key: vector / story key}):
        each moves to the story now nearest it if that is not its own. Early articles were placed
        before their story's later coverage existed; this makes the result depend less on order.
        Returns the new {article key: story key}."""
        placed = dict(placed)
        for pk in list(placed):
            key = placed[pk] = self.resolve(placed[pk])
            story = self.stories[key]
            if story.locked or story.size < 2:
                continue
            vector = vectors[pk]
            # Its own story's centroid without it, so that it is compared with others fairly.
            story.total = story.total - vector
            self._sync(story)
            best, similarity = self._nearest(vector, self._time[pk])
            own = float(story.total @ vector) / (np.linalg.norm(story.total) or 1.0)
            if best is not None and best != key and similarity >= self.join and similarity > own:
                story.size -= 1
                story.members.remove(pk)
                target = self.stories[best]
                target.total = target.total + vector
                target.size += 1
                target.members.append(pk)
                self._sync(target)
                self._sync(story)
                placed[pk] = self._merge_around(best)
            else:
                story.total = story.total + vector
                self._sync(story)
        return {pk: self.resolve(key) for pk, key in placed.items()}

    def _merge_around(self, key):
        while True:
            story = self.stories[key]
            centroid = story.total / (np.linalg.norm(story.total) or 1.0)
            other, similarity = self._nearest(centroid, (story.first + story.last) / 2, exclude=key)
            if other is None or similarity < self.merge:
                return key
            key = self._merge(key, other)

    def _merge(self, a, b):
        first, second = sorted((self.stories[a], self.stories[b]), key=lambda s: (s.first, _order(s.key)))
        first.total = first.total + second.total
        first.size += second.size
        first.first, first.last = min(first.first, second.first), max(first.last, second.last)
        first.members.extend(second.members)
        second.members = []
        self.merged_into[second.key] = first.key
        del self.stories[second.key]
        self._open[self._rows[second.key]] = False
        self._first[self._rows[second.key]] = self._last[self._rows[second.key]] = -np.inf
        self._sync(first)
        return first.key


def _order(key):
    # Stored stories (integer ids) sort before new ones, and new ones by creation.
    return (1, key[1]) if isinstance(key, tuple) else (0, key)


def bcubed(predicted, gold):
    """B-cubed precision, recall and F1 of two labellings of the same items (lists, same order)."""
    from collections import Counter

    if not gold:
        return 0.0, 0.0, 0.0
    in_predicted, in_gold, in_both = Counter(predicted), Counter(gold), Counter(zip(predicted, gold))
    precision = sum(in_both[pair] / in_predicted[pair[0]] for pair in zip(predicted, gold)) / len(gold)
    recall = sum(in_both[pair] / in_gold[pair[1]] for pair in zip(predicted, gold)) / len(gold)
    return precision, recall, 2 * precision * recall / (precision + recall) if precision + recall else 0.0
