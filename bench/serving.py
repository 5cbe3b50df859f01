"""Cached pages through gunicorn as `make serve` runs it: requests per second, for bench/run.py.

Production-like: DEBUG off, the page cache on (its default lifetime) in a Redis database of its
own (BENCH_REDIS_URL, default db 13; flushed before and after), `make serve`'s 3 sync workers, and
every request says `X-Forwarded-Proto: https` as the TLS proxy in front of a deployment would
(DJANGO_SECURE_PROXY_SSL_HEADER), so no request is redirected. Each page is requested once
before the clock starts, so the timed requests are cache hits (the run checks the
X-Newsroom-Cache header). The load comes from `wrk` when it is installed (a C client leaves
the two cores to the server), else from Python threads, which the report names: on 2 cores a
Python client takes much of the CPU it measures.
"""

import http.client
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
WORKERS = 3  # the Makefile's WORKERS default for `make serve`
HEADERS = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https"}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _flush(url):
    try:
        import redis

        redis.Redis.from_url(url).flushdb()
        return True
    except Exception:  # no Redis: the caller falls back to each worker's memory
        return False


def _get(port, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers=HEADERS)
        response = conn.getresponse()
        response.read()
        return response.status, response.getheader("X-Newsroom-Cache")
    finally:
        conn.close()


def cached_throughput(python, root, env, paths, *, seconds=10.0, connections=32, log=print, out_dir):
    """{'rps', 'requests', 'errors', 'client', 'hits', ...} for `paths` in turn, or {'error': ...}."""
    port = free_port()
    env = dict(env)
    env.pop("NEWSROOM_PAGE_CACHE_SECONDS", None)  # the default lifetime, as in production
    env.update(DJANGO_SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto", DJANGO_SECURE_SSL_REDIRECT="1")
    redis_ok = _flush(REDIS_URL)
    if redis_ok:
        env["REDIS_URL"] = REDIS_URL
    else:
        env.pop("REDIS_URL", None)
    server = subprocess.Popen(
        [python, "-m", "gunicorn", "newsroom.wsgi:application", "-b", f"127.0.0.1:{port}", "-w", str(WORKERS),
         "--log-level", "warning"],
        cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=open(out_dir / "gunicorn-cached.log", "wb"),
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(port, "/robots.txt")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    return {"error": "gunicorn did not start; see bench/out/gunicorn-cached.log"}
                time.sleep(0.3)
        paths = [p for p in paths if _get(port, p)[0] == 200]  # the first request fills the cache
        hits = sum(1 for p in paths if _get(port, p)[1] == "hit")
        if not paths:
            return {"error": "no page answered 200"}
        wrk = shutil.which("wrk")
        result = (_wrk(wrk, port, paths, seconds, connections) if wrk
                  else _threads(port, paths, seconds, threads=8))
        result.update(pages=len(paths), hits=hits, workers=WORKERS,
                      cache="Redis" if redis_ok else "each worker's memory")
        log(f"cached pages through gunicorn -w {WORKERS}: {result['rps']:,.0f} req/s ({result['client']})")
        return result
    finally:
        stop(server)
        if redis_ok:
            _flush(REDIS_URL)


WRK_SCRIPT = """
local paths = {%s}
local i = 0
wrk.headers["Host"] = "127.0.0.1"
wrk.headers["X-Forwarded-Proto"] = "https"
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
"""


def _wrk(wrk, port, paths, seconds, connections):
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(WRK_SCRIPT % ", ".join('"%s"' % p.replace('"', '\\"') for p in paths))
        script = fh.name
    try:
        output = subprocess.run(
            [wrk, "-t2", f"-c{connections}", f"-d{max(1, int(seconds))}s", "--latency", "-s", script,
             f"http://127.0.0.1:{port}"],
            capture_output=True, text=True, timeout=seconds + 60,
        ).stdout
    finally:
        os.unlink(script)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", output)
    p99_ms = None
    if p99:
        p99_ms = float(p99.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    return {"rps": float(rps.group(1)) if rps else 0.0, "requests": int(total.group(1)) if total else 0,
            "errors": int(non2xx.group(1)) if non2xx else 0, "socket_errors": socket_errors.group(1) if socket_errors
            else "", "p99_ms": p99_ms, "client": f"wrk -t2 -c{connections}, {seconds:.0f} s"}


def _threads(port, paths, seconds, threads):
    lock = threading.Lock()
    state = {"done": 0, "errors": 0}
    deadline = time.monotonic() + seconds

    def worker(k):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        n = k
        while time.monotonic() < deadline:
            n += 1
            try:
                conn.request("GET", paths[n % len(paths)], headers=HEADERS)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            with lock:
                state["done" if ok else "errors"] += 1
        conn.close()

    started = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - started
    return {"rps": state["done"] / elapsed, "requests": state["done"], "errors": state["errors"],
            "p99_ms": None, "client": f"Python, {threads} threads (wrk not installed), {seconds:.0f} s"}


def stop(server):
    """End a server process started for a measurement: politely, then for good after 10 s."""
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
