"""Python's cyclic garbage collector, made rare for the length of an import.

An import makes thousands of small containers per batch and keeps a growing list of
outcomes; with the default thresholds the collector scans them over and over, in the main
process and the parse workers alike (docs/benchmarks.md has the figures). An import makes few
reference cycles, so objects alive at the start are frozen (never scanned) and the youngest
generation is collected after 50,000 new objects instead of 700: cyclic garbage, if any, is
still collected then. No Django here: the parse workers use it too.
"""

import contextlib
import gc

GC_THRESHOLD = (50_000, 20, 1000)


@contextlib.contextmanager
def rare_collections():
    """Collections made rare inside; the process's own settings back afterwards (a web or
    background worker process runs many imports)."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()
