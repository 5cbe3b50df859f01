"""The WSGI entry point prepares a worker process before its first request."""

import gc
import importlib
import sys


def test_the_worker_keeps_what_it_loaded_out_of_full_collections():
    sys.modules.pop("newsroom.wsgi", None)
    gc.unfreeze()
    try:
        wsgi = importlib.import_module("newsroom.wsgi")
        assert callable(wsgi.application)
        # What Django, the admin and the app loaded is frozen: a full collection no longer walks
        # it every few requests (~40 ms at 100,000 tracked objects, docs/benchmarks.md).
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
