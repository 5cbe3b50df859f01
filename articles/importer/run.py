"""One import run: find the files, parse them (in worker processes for large runs), write in batches."""

import os
import sys
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

from articles.format import SUFFIXES
from articles.models import Article
from articles.signals import content_changed

from . import first_load
from .parse import Refused, Unchanged, read_and_parse
from .gc_tuning import rare_collections
from .parse_pool import ParsePool
from .write import Writer

BATCH_SIZE = 500
# Below this many files, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 400


class SourceNotFound(Exception):
    pass


@dataclass
class ImportReport:
    """What a run did, file by file, and in total."""

    dry_run: bool = False
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0  # lost to a later file with the same identity
    kept_fields: int = 0  # editor-changed fields the import left alone
    refused: list = field(default_factory=list)  # (path, [problems])
    warnings: list = field(default_factory=list)  # "path: message"
    outcomes: list = field(default_factory=list)  # (path, outcome, detail)
    elapsed: float = 0.0

    @property
    def files(self):
        return len(self.outcomes)

    @property
    def files_per_second(self):
        return self.files / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def ok(self):
        return not self.refused

    def summary(self):
        verb = "would be " if self.dry_run else ""
        parts = [
            f"{self.created:,} {verb}created",
            f"{self.updated:,} {verb}updated",
            f"{self.unchanged:,} unchanged",
            f"{len(self.refused):,} refused",
        ]
        if self.skipped:
            parts.append(f"{self.skipped:,} superseded by a later file")
        if self.kept_fields:
            parts.append(f"{self.kept_fields:,} editor-changed field{'' if self.kept_fields == 1 else 's'} kept")
        rate = f"{self.files_per_second:,.0f} files/s" if self.elapsed > 0 else ""
        files = f"{self.files:,} file" + ("" if self.files == 1 else "s")
        return f"{files}: " + ", ".join(parts) + f" in {self.elapsed:.1f}s ({rate})"


def discover(paths):
    """Files to import, in processing order: each PATH as given, directories walked in sorted order."""
    found = []
    for raw in paths:
        path = os.path.abspath(os.fspath(raw))
        if os.path.isfile(path):
            found.append(path)
        elif os.path.isdir(path):
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found.extend(
                    os.path.join(root, name)
                    for name in sorted(files)
                    if not name.startswith(".") and name.lower().endswith(SUFFIXES)
                )
        else:
            raise SourceNotFound(f"{raw}: no such file or directory")
    seen = set()
    return [p for p in found if not (p in seen or seen.add(p))]


# Files travel to workers in chunks of paths; at most WINDOW chunks are out at a time, so
# parsed records never pile up faster than the writer takes them (memory stays flat whatever
# the corpus size).
CHUNK = 16
WINDOW = 48


def _parse_all(files, *, workers, max_bytes, known_hashes):
    """Results for `files` (Parsed, Unchanged or Refused), in order. Unchanged files (their
    hash is known) end at the hash, without parsing; large runs are read and parsed in
    worker processes."""
    if workers < 2 or len(files) < PARALLEL_THRESHOLD:
        for path in files:
            yield read_and_parse(path, max_bytes=max_bytes, known_hashes=known_hashes)
        return
    chunks = [files[i : i + CHUNK] for i in range(0, len(files), CHUNK)]
    pool = ParsePool(workers, max_bytes=max_bytes, known_hashes=known_hashes)
    try:
        given = 0
        for taken in range(len(chunks)):
            while given < len(chunks) and given - taken < WINDOW:
                pool.submit(chunks[given])
                given += 1
            yield from pool.next_results()
    finally:
        pool.close()


@rare_collections()
def import_paths(
    paths, *, dry_run=False, max_bytes=None, workers=None, batch_size=BATCH_SIZE, progress=False, on_progress=None,
    on_batch=None,
):
    """Import front-matter files and directories; return an ImportReport.

    Validation happens before any write; each batch is written atomically. The
    management command, the admin upload and the tests all call this. `on_progress(done,
    total)` is called after every file (background jobs report progress with it);
    `on_batch(outcomes)` inside each batch's transaction, with its (Parsed, outcome, detail) rows
    (a job's history commits with the articles it describes).
    A large run into an empty database builds the article tables' indexes once, at the end
    (first_load.py); Python's garbage collector runs rarely meanwhile (gc_tuning.py).
    """
    started = time.monotonic()
    report = ImportReport(dry_run=dry_run)
    files = discover(paths)
    max_bytes = max_bytes or settings.NEWSROOM_IMPORT_MAX_BYTES
    known_hashes = set(Article.objects.exclude(content_hash="").values_list("content_hash", flat=True))
    workers = workers or min(os.cpu_count() or 1, 4)
    writer = None
    batch = {}  # identity -> Parsed, in arrival order
    seen = {}  # identity -> path, for the whole run

    def flush():
        nonlocal writer
        if not batch:
            return
        if writer is None:
            writer = Writer(run_order={p: i for i, p in enumerate(files)})
        items = list(batch.values())
        batch.clear()
        if dry_run:
            existing = writer.existing([item.record.identity_url for item in items])
            outcomes = [(i, "updated" if i.record.identity_url in existing else "created", "") for i in items]
        elif on_batch is None:
            outcomes = writer.write(items, report)
            content_changed.send(sender=Article)
        else:
            with transaction.atomic():
                outcomes = writer.write(items, report)
                on_batch(outcomes)
            content_changed.send(sender=Article)
        for item, outcome, detail in outcomes:
            _count(report, item.path, outcome, detail)

    if not dry_run:
        first_load.build_indexes()  # those a killed first load left to build
    indexes_dropped = first_load.applies(len(files), dry_run=dry_run) and first_load.drop_indexes()
    bar = _progress_bar(len(files), progress)
    try:
        results = _parse_all(files, workers=workers, max_bytes=max_bytes, known_hashes=known_hashes)
        for done, result in enumerate(results, start=1):
            # The list's own string, not the worker's copy: one path string per file in memory,
            # however many places (outcomes, `seen`, the batch) keep it.
            result.path = files[done - 1]
            bar.update(1)
            if on_progress is not None:
                on_progress(done, len(files))
            if isinstance(result, Unchanged):
                _count(report, result.path, "unchanged")
            elif isinstance(result, Refused):
                report.refused.append((result.path, result.problems))
                report.outcomes.append((result.path, "refused", "; ".join(result.problems)))
            else:
                record = result.record
                report.warnings += [f"{result.path}: {w}" for w in record.warnings]
                earlier = seen.get(record.identity_url)
                if earlier is not None:
                    report.warnings.append(
                        f"{result.path}: same article as {earlier} ({record.identity_url}); the later file wins"
                    )
                    if record.identity_url in batch:
                        del batch[record.identity_url]
                        _count(report, earlier, "skipped", f"{result.path} (later in this run) wins")
                seen[record.identity_url] = result.path
                batch[record.identity_url] = result
                if len(batch) >= batch_size:
                    flush()
        flush()
    finally:
        if indexes_dropped:
            bar.set_postfix_str("building indexes", refresh=True)
            first_load.build_indexes()
        bar.close()
        if writer is not None:
            writer.finish()
    report.elapsed = time.monotonic() - started
    return report


def _count(report, path, outcome, detail=""):
    if outcome == "refused":  # by the database, when the batch was written
        report.refused.append((path, [detail]))
    if outcome in ("created", "updated", "unchanged", "skipped"):
        setattr(report, outcome, getattr(report, outcome) + 1)
    report.outcomes.append((path, outcome, detail))


def _progress_bar(total, enabled):
    from tqdm import tqdm

    return tqdm(
        total=total,
        unit="file",
        desc="Importing",
        disable=not enabled or not sys.stderr.isatty(),
        file=sys.stderr,
        dynamic_ncols=True,
    )
