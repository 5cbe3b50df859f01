"""The benchmark's corpus generator writes files the importer takes without complaint.

Guards the harness against format drift: if the importer tightens a rule, the generator
must follow, or every benchmark number would be measuring refusals.
"""

import pytest

from articles.importer import import_paths
from articles.models import Article, ArticleTopic
from bench import make_corpus

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(tmp_path):
    make_corpus.generate(tmp_path, 50, seed=7, workers=1)
    return tmp_path


def test_generated_files_import_cleanly(corpus):
    """Fifty generated files become fifty articles: no refusal, no warning."""
    report = import_paths([corpus])

    assert report.refused == []
    assert report.warnings == []
    assert report.created == 50
    assert Article.objects.count() == 50
    # The variety the benchmark relies on is really there.
    assert Article.objects.filter(is_published=False).exists()
    assert Article.objects.filter(images__isnull=False).exists()
    assert Article.objects.filter(related_links__isnull=False).exists()
    assert ArticleTopic.objects.filter(tag__name__iexact=make_corpus.LARGEST_TOPIC).count() >= 5


def test_same_seed_same_files(tmp_path):
    """A corpus is reproducible: the same seed writes the same bytes, another seed does not."""
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    make_corpus.generate(a, 20, seed=3, workers=1)
    make_corpus.generate(b, 20, seed=3, workers=1)
    make_corpus.generate(c, 20, seed=4, workers=1)
    files = sorted(p.relative_to(a) for p in a.rglob("*.txt"))

    assert len(files) == 20
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files)
    assert any((a / f).read_bytes() != (c / f).read_bytes() for f in files)


def test_touched_files_reimport_as_updates(corpus):
    """Touching 10 % rewrites exactly those files; a re-import updates them and skips the rest."""
    import_paths([corpus])
    touched, _ = make_corpus.generate(corpus, 50, seed=7, workers=1, touch=0.1)

    report = import_paths([corpus])

    assert touched == 5
    assert report.refused == []
    assert (report.updated, report.unchanged, report.created) == (5, 45, 0)
    assert Article.objects.filter(title__endswith="(update 1)").count() == 5
