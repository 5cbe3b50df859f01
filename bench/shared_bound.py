#!/usr/bin/env python3
"""The shared raw bound (../shared/perf/bench_sqlite.py) and its corpus (gen_corpus.py), for bench/run.py.

    python bench/shared_bound.py adapted CORPUS_DIR DB_PATH --workers 2   # the bound, tolerant reader

Import targets of issue 19 are ratios to the shared bound, not to the project's own
bench/raw_bound.py (which turned out slower than the importer: not a bound). The shared
scripts live beside the project (`ROOT.parent / "shared" / "perf"`, or NEWSROOM_SHARED_PERF);
they are run as they are, never copied here, so that every project measures against the same code.

One exception, the `adapted` command above: the shared reader expects gen_corpus.py's files, and
stops at the harness's own corpus (a byte-order mark, which it reads as no front matter, and
videos with only `originalUrl`). `adapted` runs the same script, the same schema, inserts and
batching, with its `parse_file` replaced by one that strips the BOM and takes `originalUrl` when
`webUrl` is missing: two string operations per file, so the figure is the bound's within noise.
The report labels it as adapted.
"""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PER_SHARD = 1000  # gen_corpus.py --shard: 1,000 files per subdirectory 0000/, 0001/, ...
RESULT = re.compile(r"RESULT n=(\d+) secs=([\d.]+) fps=([\d.]+)")


def perf_dir():
    """The shared perf directory, or None when it is not there (the caller says so)."""
    path = Path(os.environ.get("NEWSROOM_SHARED_PERF") or ROOT.parent / "shared" / "perf")
    return path if (path / "bench_sqlite.py").is_file() and (path / "gen_corpus.py").is_file() else None


def bound_command(python, corpus, db_path, *, workers=2, adapted=False):
    """The command line of one run of the shared bound on `corpus` (a single directory)."""
    if adapted:
        return [python, ROOT / "bench" / "shared_bound.py", "adapted", corpus, db_path, "--workers", str(workers)]
    return [python, perf_dir() / "bench_sqlite.py", corpus, db_path, "--workers", str(workers)]


def parse_result(stdout):
    """{'files', 'secs', 'fps'} from the script's RESULT line, or None."""
    match = RESULT.search(stdout)
    if not match:
        return None
    return {"files": int(match.group(1)), "secs": float(match.group(2)), "fps": float(match.group(3))}


# -- gen_corpus.py's corpus, generated once and reused -------------------------------------


def _script_version():
    return hashlib.sha256((perf_dir() / "gen_corpus.py").read_bytes()).hexdigest()[:16]


def _stamp(directory):
    try:
        return json.loads((directory / "gen-corpus.json").read_text())
    except (OSError, ValueError):
        return {}


def prepare_gen_corpus(out, size, *, python, seed=1, log=print):
    """A directory holding exactly `size` files of gen_corpus.py (seed, --shard).

    gen_corpus.py draws every file from one seeded stream, so its first `size` files are the
    corpus of that size: a larger corpus already on disk gives a smaller one as hard links to
    its first folders (no copy, no second 5.7 GB at a million). Returns (directory, info)."""
    full = out / "gen-corpus"
    made = _stamp(full)
    version = _script_version()
    fits = made.get("version") == version and made.get("seed") == seed
    if fits and made.get("count") == size:
        log(f"reusing gen_corpus.py's {size:,} files in {full}")
        return full, {"files": size, "reused": True, "wall_s": 0.0}
    if fits and made.get("count", 0) > size:
        return _subset(full, out / f"gen-corpus-{size}", size, made, log), {"files": size, "reused": True,
                                                                            "wall_s": 0.0}
    shutil.rmtree(full, ignore_errors=True)
    log(f"gen_corpus.py: writing {size:,} files into {full} (about {size / 2500 / 60:.0f} min)")
    started = time.perf_counter()
    subprocess.run([python, perf_dir() / "gen_corpus.py", full, "-n", str(size), "--seed", str(seed), "--shard"],
                   check=True, stdout=subprocess.DEVNULL)
    elapsed = time.perf_counter() - started
    (full / "gen-corpus.json").write_text(json.dumps({"version": version, "seed": seed, "count": size}))
    return full, {"files": size, "reused": False, "wall_s": elapsed}


def _subset(full, target, size, made, log):
    if _stamp(target) == {**made, "count": size}:
        log(f"reusing the {size:,}-file subset {target}")
        return target
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    shards = (size + PER_SHARD - 1) // PER_SHARD
    if size % PER_SHARD:
        raise ValueError("subsets of gen_corpus.py's corpus are whole shards of 1,000 files")
    for k in range(shards):
        source, dest = full / f"{k:04d}", target / f"{k:04d}"
        dest.mkdir()
        for entry in os.scandir(source):  # one folder at a time: never every path in memory
            os.link(entry.path, dest / entry.name)
    (target / "gen-corpus.json").write_text(json.dumps({**made, "count": size}))
    log(f"hard-linked the first {size:,} files of {full} into {target}")
    return target


# -- the `adapted` command -----------------------------------------------------------------


def adapted_parse(path, loader="csafe"):
    """newsbench.corpus.parse_file, plus: a byte-order mark is not text, and a video's
    `originalUrl` stands for the `webUrl` it lacks (the importer's identity rule)."""
    import yaml
    from newsbench.corpus import LOADERS, split_front_matter

    with open(path, encoding="utf-8-sig") as fh:
        text = fh.read()
    front, body = split_front_matter(text)
    data = yaml.load(front, Loader=LOADERS[loader])
    data["_body"] = body
    if not data.get("webUrl"):
        data["webUrl"] = data.get("originalUrl")
    return data


def _adapted_main(argv):
    shared = perf_dir()
    if shared is None:
        raise SystemExit("the shared perf directory is missing (set NEWSROOM_SHARED_PERF)")
    sys.path.insert(0, str(shared))
    import bench_sqlite

    bench_sqlite.parse_file = adapted_parse  # pickled by name: the pool's workers are forks of this process
    sys.argv = ["bench_sqlite.py (adapted)", *argv]
    bench_sqlite.main()


if __name__ == "__main__":
    if sys.argv[1:2] != ["adapted"]:
        raise SystemExit(__doc__)
    _adapted_main(sys.argv[2:])
