#!/usr/bin/env python3
"""Stories: how well clustering finds the labelled stories of ../shared/stories/dev.csv.

    python bench/stories_eval.py                    # every method, the whole file (make bench-stories)
    python bench/stories_eval.py --methods minilm   # one method
    python bench/stories_eval.py --stories 6        # a slice: the first 6 stories of the file
    python bench/stories_eval.py --scale 10         # cost: the file 10 times over (copies 8 days apart)
    python bench/stories_eval.py --scale 4 --then 1000   # and then 1,000 new articles, clustered incrementally

Each headline becomes a front-matter file (title, webUrl, provider, publishedDateTime; no excerpt)
that the real importer (`import_paths`) writes into a scratch SQLite database; `cluster_pending`
then places them as `cluster_stories` would, and the stories are scored against the labels with
B-cubed precision, recall and F1. Orders: "one import" (all files, one clustering run) and
"5 batches" (the files shuffled into five imports, clustered after each: the incremental path).
Methods: `minilm` (what the site runs: all-MiniLM-L6-v2 title vectors) and `tfidf` (a lexical
baseline: TF-IDF of title words, IDF from the whole file — an optimistic one, since a live site
could only know the IDF of what came before — with its own tuned thresholds). Results:
docs/benchmarks.md, "Stories".
"""

import argparse
import csv
import math
import os
import random
import re
import resource
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEV_CSV = ROOT.parent / "shared" / "stories" / "dev.csv"
SCALE_SHIFT_MS = 8 * 24 * 3600 * 1000  # past the clustering window: copies never meet


def read_rows(path=DEV_CSV, *, stories=None, scale=1):
    """The labelled rows of dev.csv; `stories`: only the first N stories in file order; `scale`: copies."""
    rows = list(csv.DictReader(open(path, encoding="utf-8")))
    if stories:
        keep = list(dict.fromkeys(r["STORY"] for r in rows))[:stories]
        rows = [r for r in rows if r["STORY"] in keep]
    if scale > 1:
        rows = [dict(r, ID=f"{r['ID']}-{n}", STORY=f"{r['STORY']}-{n}", URL=f"{r['URL']}#copy{n}",
                     TIMESTAMP=str(int(r["TIMESTAMP"]) + n * SCALE_SHIFT_MS))
                for n in range(scale) for r in rows]
    return rows


def _quoted(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def front_matter(row):
    published = datetime.fromtimestamp(int(row["TIMESTAMP"]) / 1000, timezone.utc)
    return "\n".join([
        "---",
        f"title: {_quoted(row['TITLE'])}",
        f"webUrl: {_quoted(row['URL'])}",
        f"publishedDateTime: {published.strftime('%Y-%m-%dT%H:%M:%S.%fZ')}",
        "published: true",
        "provider:",
        f"  name: {_quoted(row['PUBLISHER'] or row['HOSTNAME'])}",
        f"  domain: {_quoted(row['HOSTNAME'])}",
        "---",
        "",
    ])


def write_files(rows, directory):
    """One front-matter file per row, named by its ID; returns {webUrl: STORY}."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for row in rows:
        (directory / f"{row['ID']}.md").write_text(front_matter(row), encoding="utf-8")
    return {row["URL"]: row["STORY"] for row in rows}


def score(gold_by_url):
    """B-cubed (precision, recall, F1) of the stored stories against the labels."""
    from articles.models import Article
    from articles.stories.clustering import bcubed

    placed = dict(Article.objects.filter(identity_url__in=list(gold_by_url)).values_list("identity_url", "story_id"))
    urls = sorted(gold_by_url)
    return bcubed([placed.get(u) or f"none:{u}" for u in urls], [gold_by_url[u] for u in urls])


class TfidfEncoder:
    """The lexical baseline: TF-IDF over title words (stop words out), IDF fitted on all titles."""

    STOP = set("a an the of to in on for and or is are was be by with at as from that this it its after "
               "over new says say said will has have his her their than up out into about more not but "
               "how why what who".split())
    JOIN, MERGE = 0.10, 0.20

    def __init__(self, titles):
        docs = [Counter(self.words(t)) for t in titles]
        df = Counter(w for d in docs for w in d)
        self.vocab = {w: i for i, w in enumerate(sorted(df))}
        self.idf = {w: math.log((1 + len(docs)) / (1 + n)) for w, n in df.items()}

    @classmethod
    def words(cls, text):
        return [w for w in re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text.lower()) if w not in cls.STOP]

    def encode(self, texts):
        import numpy as np

        out = np.zeros((len(texts), len(self.vocab)), dtype=np.float32)
        for i, text in enumerate(texts):
            for w, c in Counter(self.words(text)).items():
                if w in self.vocab:
                    out[i, self.vocab[w]] = (1 + math.log(c)) * self.idf[w]
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


def setup_django(db_path):
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.setdefault("DJANGO_DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    os.environ["NEWSROOM_STORIES_AFTER_IMPORT"] = "0"
    import django

    django.setup()


def run_method(method, rows, workdir, *, batches=1, seed=1):
    """Import `rows` (in `batches` shuffled imports, clustering after each); returns a result dict."""
    from django.core.management import call_command
    from django.db import connection

    from articles.importer import import_paths
    from articles.models import Article, ArticleVector, Story
    from articles.stories.assign import cluster_pending

    Article.objects.all().delete()
    Story.objects.all().delete()
    ArticleVector.objects.all().delete()
    encoder, thresholds = None, {}
    if method == "tfidf":
        encoder = TfidfEncoder([r["TITLE"] for r in rows])
        thresholds = {"join": encoder.JOIN, "merge": encoder.MERGE}
    shuffled = list(rows)
    if batches > 1:
        random.Random(seed).shuffle(shuffled)
    gold = {}
    import_seconds = cluster_seconds = 0.0
    vectors = 0
    for n in range(batches):
        part = shuffled[n::batches]
        directory = Path(workdir) / f"{method}-{batches}-{n}"
        gold.update(write_files(part, directory))
        started = time.perf_counter()
        report = import_paths([str(directory)], workers=1)
        import_seconds += time.perf_counter() - started
        assert not report.refused, report.refused[:3]
        started = time.perf_counter()
        result = cluster_pending(encoder=encoder, thresholds=thresholds)
        cluster_seconds += time.perf_counter() - started
        vectors += result.vectors_computed
    precision, recall, f1 = score(gold)
    connection.close()
    del call_command
    return {"method": method, "order": "one import" if batches == 1 else f"{batches} batches",
            "articles": len(gold), "stories": Story.objects.count(), "precision": precision, "recall": recall,
            "f1": f1, "import_s": import_seconds, "cluster_s": cluster_seconds, "vectors": vectors}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--csv", default=str(DEV_CSV))
    parser.add_argument("--methods", default="minilm,tfidf")
    parser.add_argument("--stories", type=int, default=None, help="only the first N stories of the file")
    parser.add_argument("--scale", type=int, default=1, help="the file N times over, copies 8 days apart")
    parser.add_argument("--no-batches", action="store_true", help="skip the five-batch (incremental) order")
    parser.add_argument("--then", type=int, default=0, metavar="N",
                        help="after the last run, import N more headlines (a later copy) and time their clustering")
    args = parser.parse_args(argv)
    rows = read_rows(args.csv, stories=args.stories, scale=args.scale)
    with tempfile.TemporaryDirectory(prefix="stories-eval-") as workdir:
        setup_django(Path(workdir) / "stories.sqlite3")
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        print(f"{len(rows)} headlines, {len({r['STORY'] for r in rows})} stories")
        print(f"{'method':8} {'order':11} {'P':>6} {'R':>6} {'F1':>6} {'stories':>7} {'import s':>8} {'cluster s':>9}")
        for method in args.methods.split(","):
            for batches in ((1,) if args.no_batches else (1, 5)):
                r = run_method(method, rows, workdir, batches=batches)
                print(f"{r['method']:8} {r['order']:11} {r['precision']:6.3f} {r['recall']:6.3f} {r['f1']:6.3f} "
                      f"{r['stories']:7} {r['import_s']:8.1f} {r['cluster_s']:9.1f}", flush=True)
        if args.then:
            incremental(rows, args.then, workdir)
        if args.scale > 1:
            rebuild()
        print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


def rebuild():
    """`cluster_stories --rebuild` once every title has its vector: the clustering alone."""
    from articles.stories.assign import cluster_pending

    started = time.perf_counter()
    report = cluster_pending(rebuild=True)
    print(f"rebuild of {report.articles} articles (vectors stored): {time.perf_counter() - started:.1f} s, "
          f"{report.vectors_computed} vectors computed")


def incremental(rows, n, workdir):
    """N more headlines, a copy published after everything stored, imported and clustered on their own."""
    from articles.importer import import_paths
    from articles.stories.assign import cluster_pending

    later = max(int(r["TIMESTAMP"]) for r in rows) + SCALE_SHIFT_MS
    extra = [dict(r, ID=f"{r['ID']}-then", URL=f"{r['URL']}#then", TIMESTAMP=str(later + i))
             for i, r in enumerate(read_rows(DEV_CSV)[:n])]
    write_files(extra, Path(workdir) / "then")
    import_paths([str(Path(workdir) / "then")], workers=1)
    started = time.perf_counter()
    report = cluster_pending()
    print(f"then {len(extra)} new articles: clustered in {time.perf_counter() - started:.1f} s "
          f"({report.vectors_computed} vectors computed, {report.stories_created} stories started)")


if __name__ == "__main__":
    main()
