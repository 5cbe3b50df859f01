"""Large runs are read and parsed in worker processes: the same results, in the same order."""

import pytest

from articles.importer import import_paths
from articles.importer import run as run_module
from articles.importer.parse_pool import ParsePool, WorkerFailed
from articles.models import Article

from .importing import front_matter, snapshot, write

pytestmark = pytest.mark.django_db


def _mixed_corpus(directory):
    """Good files, broken ones and a repeated identity, spread over several chunks."""
    for n in range(40):
        if n % 9 == 4:
            content = "---\ntitle: [unclosed\n---\n"
        elif n == 30:
            content = front_matter(title="The later copy wins", webUrl="https://orbit.example/story-3")
        else:
            content = front_matter(title=f"Story {n}", webUrl=f"https://orbit.example/story-{n}")
        write(directory, f"{n:03}.md", content)


def _run(directory, workers, monkeypatch):
    monkeypatch.setattr(run_module, "PARALLEL_THRESHOLD", 1)
    monkeypatch.setattr(run_module, "CHUNK", 3)
    monkeypatch.setattr(run_module, "WINDOW", 2)  # chunks wait in line: back-pressure is exercised
    return import_paths([directory], workers=workers)


def _stored():
    """snapshot() without what differs between two runs (ids, timestamps)."""
    run_columns = {"id", "first_imported_at", "last_imported_at", "created_at", "updated_at"}
    return [
        ({k: v for k, v in fields.items() if k not in run_columns}, *children) for fields, *children in snapshot()
    ]


def test_workers_give_what_one_process_gives_in_the_same_order(tmp_path, monkeypatch):
    _mixed_corpus(tmp_path)
    one = _run(tmp_path, 1, monkeypatch)
    stored = _stored()
    Article.objects.all().delete()
    two = _run(tmp_path, 2, monkeypatch)
    assert two.outcomes == one.outcomes
    assert two.refused == one.refused and len(two.refused) == 4
    assert two.warnings == one.warnings
    assert _stored() == stored and len(stored) == 35
    assert Article.objects.get(identity_url="https://orbit.example/story-3").title == "The later copy wins"

    again = _run(tmp_path, 2, monkeypatch)
    assert (again.unchanged, again.created, again.updated) == (35, 0, 0), "workers know the stored hashes"
    assert again.skipped == 1, "the earlier copy of story 3 still loses to the later one"


def test_a_worker_that_dies_is_reported_not_waited_for(tmp_path):
    paths = [str(write(tmp_path, f"{n}.md", front_matter(webUrl=f"https://orbit.example/{n}"))) for n in range(4)]
    pool = ParsePool(1, max_bytes=1_000_000, known_hashes=())
    try:
        pool.submit(paths[:2])
        assert [r.path for r in pool.next_results()] == paths[:2]
        pool._processes[0].kill()
        with pytest.raises(WorkerFailed, match="exited unexpectedly"):
            pool.submit(paths[2:])
            pool.next_results()
    finally:
        pool.close()
