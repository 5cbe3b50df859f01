"""Worker processes that read, hash and parse an import's files; results come back in order.

This was multiprocessing.Pool, and the pool's own machinery cost the importing process about
as much CPU as its database writes: its worker-handler thread wakes up for every result
waiting in the shared queue, and every chunk passes through three threads. An import needs
less: a few spawned processes, each with its own pipe; chunks of paths handed out in turn;
one thread per worker that only moves its finished chunks out of the pipe (so a worker never
waits while the writer is busy); chunks taken back in the order they were given.

A worker reads each file itself, hashes it and checks the hash against the database's known
ones, so unchanged files end there too and the parent never touches file contents.
"""

import multiprocessing
import pickle
import queue
import signal
import threading
import traceback
from collections import deque

from .gc_tuning import rare_collections
from .parse import read_and_parse


class WorkerFailed(RuntimeError):
    pass


class ParsePool:
    def __init__(self, workers, *, max_bytes, known_hashes):
        context = multiprocessing.get_context("spawn")  # no copy of the parent's database connection
        self._processes, self._connections, self._inboxes = [], [], []
        self._given = deque()  # the worker of each chunk still to be taken back, in order
        self._turn = 0
        known_hashes = frozenset(known_hashes)
        for _ in range(workers):
            ours, theirs = context.Pipe()
            process = context.Process(target=_serve, args=(theirs, max_bytes, known_hashes), daemon=True)
            process.start()
            theirs.close()
            inbox = queue.SimpleQueue()
            threading.Thread(target=_drain, args=(ours, inbox), daemon=True).start()
            self._processes.append(process)
            self._connections.append(ours)
            self._inboxes.append(inbox)

    def submit(self, paths):
        worker = self._turn
        self._turn = (worker + 1) % len(self._processes)
        try:
            self._connections[worker].send(paths)
        except OSError:
            raise self._lost(worker) from None
        self._given.append(worker)

    def next_results(self):
        """Results of the oldest chunk not yet taken back (Parsed, Unchanged or Refused, in order)."""
        worker = self._given.popleft()
        data = self._inboxes[worker].get()
        if data is None:
            raise self._lost(worker)
        ok, payload = pickle.loads(data)
        if not ok:
            raise WorkerFailed(f"a parsing process failed:\n{payload}")
        return payload

    def _lost(self, worker):
        process = self._processes[worker]
        process.join(timeout=1)
        return WorkerFailed(f"a parsing process exited unexpectedly (exit code {process.exitcode})")

    def close(self):
        """Stop the workers: at once when chunks are still out (an error, Ctrl-C)."""
        for connection in self._connections:
            try:
                connection.send(None)
            except OSError:
                pass  # already gone
        for process in self._processes:
            if self._given:
                process.terminate()
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join()
        for connection in self._connections:
            connection.close()


def _serve(connection, max_bytes, known_hashes):
    """A worker: chunks of paths in, pickled lists of results out, until told to stop."""
    # Ctrl-C is the parent's to handle: it stops the workers itself, without their tracebacks.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with rare_collections():  # as in the importing process
        while (paths := connection.recv()) is not None:
            try:
                results = (True, [read_and_parse(p, max_bytes=max_bytes, known_hashes=known_hashes) for p in paths])
            except Exception:  # a bug, not bad input (read_and_parse never raises for that): report it
                results = (False, traceback.format_exc())
            connection.send_bytes(pickle.dumps(results, protocol=pickle.HIGHEST_PROTOCOL))


def _drain(connection, inbox):
    """Parent side: move a worker's finished chunks out of its pipe as soon as they arrive;
    None when the worker is gone."""
    while True:
        try:
            inbox.put(connection.recv_bytes())
        except (EOFError, OSError):
            inbox.put(None)
            return
