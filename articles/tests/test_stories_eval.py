"""The dev-set evaluation in small: five labelled stories of ../shared/stories/dev.csv (291 headlines),
imported as files through the importer and clustered as `cluster_stories` does. The whole file
runs in `make bench-stories` (docs/benchmarks.md)."""

import random

import pytest

from articles.importer import import_paths
from articles.stories.assign import cluster_pending
from articles.stories.encoder import get_encoder
from bench.stories_eval import DEV_CSV, read_rows, score, write_files

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not DEV_CSV.exists(), reason="../shared/stories/dev.csv is not beside the checkout"),
]

_vectors = {}


class CachedEncoder:
    """The real encoder, remembering titles across the tests of this module."""

    def encode(self, texts):
        import numpy as np

        missing = [t for t in dict.fromkeys(texts) if t not in _vectors]
        if missing:
            _vectors.update(zip(missing, get_encoder().encode(missing)))
        return np.array([_vectors[t] for t in texts], dtype=np.float32)


@pytest.fixture(scope="module")
def rows():
    return read_rows(stories=5)


def test_five_dev_stories_are_found_with_high_precision(rows, tmp_path):
    gold = write_files(rows, tmp_path / "files")
    import_paths([str(tmp_path / "files")], workers=1)
    cluster_pending(encoder=CachedEncoder())
    precision, recall, f1 = score(gold)
    assert len(gold) == 291
    assert precision >= 0.90
    assert recall >= 0.75
    assert f1 >= 0.82


def test_importing_in_another_order_and_in_batches_gives_the_same_stories(rows, tmp_path):
    gold = write_files(rows, tmp_path / "all")
    import_paths([str(tmp_path / "all")], workers=1)
    cluster_pending(encoder=CachedEncoder())
    _, _, f1_at_once = score(gold)

    from articles.models import Article, Story

    Article.objects.all().delete()
    Story.objects.all().delete()
    shuffled = list(rows)
    random.Random(7).shuffle(shuffled)
    for n in range(4):
        write_files(shuffled[n::4], tmp_path / f"batch{n}")
        import_paths([str(tmp_path / f"batch{n}")], workers=1)
        cluster_pending(encoder=CachedEncoder())
    _, _, f1_in_batches = score(gold)
    assert abs(f1_at_once - f1_in_batches) <= 0.02
