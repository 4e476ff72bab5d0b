#!/usr/bin/env python3
"""Benchmark watch: how long from a file written on the host to the file readable in the
container, rcompose against the reference, side by side in one run.

usage: scripts/bench_watch.py [--edits N] [--batches N] [--rcompose BIN] [--ref BIN]

Both tools watch their own copy of the same project (image rcompose-test/busybox, a `sync` rule
from ./src to /app), each started with its own `watch`. Edits alternate between the two: the
script writes src/edit.txt with new content (an editor's save: a temporary file renamed over it)
and times until the file is visible in the container. Visibility is seen from inside: the
container runs scripts/watch_probe.c (built static here and mounted in), which prints a line the
moment a file in /app is closed after writing, and the script follows the container's output (the engine's log stream); each
timed event is then confirmed by reading the content back through the archive API (untimed).
(Polling the archive API instead costs 35 ms a read on this engine, which would blur the result.)
Then batches: 100 files written at once, timed until the last of them arrives, all 100 checked
after. Reported: median and p90 of the single edits, median of the batches, each watcher's peak
RSS, and the engine floor: the same one-file tar PUT straight on the API by this script, timed the
same way. Nothing is asserted: the figures are the result.
"""
import argparse
import queue
import struct
import threading
import http.client
import io
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.parse
from pathlib import Path

from engine_api import UnixHTTP

ROOT = Path(__file__).resolve().parent.parent
IMAGE = "rcompose-test/busybox"

COMPOSE = f"""services:
  web:
    image: {IMAGE}
    init: true
    command: [/probe, /app]
    volumes: ['PROBE:/probe:ro']
    develop:
      watch:
        - path: ./src
          action: sync
          target: /app
"""


CONN = None


def read(container, path):
    """The file's content in the container, or None."""
    global CONN
    if CONN is None:
        CONN = UnixHTTP()
    q = urllib.parse.urlencode({"path": path})
    try:
        CONN.request("GET", f"/v1.41/containers/{container}/archive?{q}")
        r = CONN.getresponse()
        body = r.read()
    except (http.client.HTTPException, OSError):
        CONN = None
        return None
    if r.status != 200:
        return None
    with tarfile.open(fileobj=io.BytesIO(body)) as t:
        m = t.next()
        f = t.extractfile(m) if m else None
        return f.read().decode() if f else None


def wait_for(container, path, content, limit=30.0):
    start = time.monotonic()
    while time.monotonic() - start < limit:
        if read(container, path) == content:
            return time.monotonic()
    raise TimeoutError(f"{path} in {container} never held {content!r}")


class Events:
    """The container's output lines (inotifyd's), with the time each arrived."""

    def __init__(self, container):
        self.lines = queue.Queue()
        c = UnixHTTP()
        q = urllib.parse.urlencode({"follow": 1, "stdout": 1, "stderr": 1, "tail": 0})
        c.request("GET", f"/v1.41/containers/{container}/logs?{q}")
        self.resp = c.getresponse()
        threading.Thread(target=self.pump, daemon=True).start()

    def pump(self):
        buf = b""
        while True:
            head = self.resp.read(8)
            if len(head) < 8:
                return
            n = struct.unpack(">I", head[4:])[0]
            buf += self.resp.read(n)
            now = time.monotonic()
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                self.lines.put((now, line.decode(errors="replace")))

    def wait(self, name, after, limit=30.0):
        """When a file NAME was closed after writing, at or after `after`."""
        deadline = time.monotonic() + limit
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no write of {name} seen")
            try:
                at, line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            if at >= after and line.split("\t")[-1] == name:
                return at


class Watcher:
    def __init__(self, tool, binary, base):
        self.tool = tool
        self.name = f"bench-watch-{tool}-{os.getpid()}"
        self.dir = Path(base) / tool
        (self.dir / "src").mkdir(parents=True)
        (self.dir / "compose.yaml").write_text(COMPOSE.replace("PROBE", str(Path(base) / "probe")))
        self.binary = binary
        self.container = f"{self.name}-web-1"
        self.log = open(self.dir / "watch.log", "w+")
        subprocess.run([binary, "-p", self.name, "up", "-d"], cwd=self.dir, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.events = Events(self.container)
        self.proc = subprocess.Popen([binary, "-p", self.name, "watch", "--no-up"], cwd=self.dir,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        # ready when a file goes through (the watcher may still be starting: write again)
        for k in range(60):
            try:
                self.edit("ready.txt", f"ready {k}", limit=2.0)
                break
            except TimeoutError:
                continue
        else:
            raise SystemExit(f"{tool}: the watch never synced a file; see {self.dir}/watch.log")

    def edit(self, name, content, limit=30.0):
        """Writes src/NAME; seconds until the container has it."""
        path = self.dir / "src" / name
        tmp = path.with_suffix(".bench-tmp~")
        tmp.write_text(content)
        start = time.monotonic()
        os.replace(tmp, path)  # one event, as an editor's save
        seen = self.events.wait(name, start, limit)
        wait_for(self.container, f"/app/{name}", content, limit)
        return seen - start

    def batch(self, n, tag):
        files = [(f"b{i:03}.txt", f"{tag}-{i}") for i in range(n)]
        start = time.monotonic()
        for name, content in files:
            (self.dir / "src" / name).write_text(content)
        end = self.events.wait(files[-1][0], start)
        wait_for(self.container, f"/app/{files[-1][0]}", files[-1][1])
        for name, content in files:
            got = read(self.container, f"/app/{name}")
            if got != content:
                raise SystemExit(f"{self.tool}: /app/{name} holds {got!r}, not {content!r}")
        return end - start

    def peak_rss_kib(self):
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        except OSError:
            pass
        return 0

    def close(self):
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        subprocess.run([self.binary, "-p", self.name, "down", "-v", "-t", "0"], cwd=self.dir,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def floor(w, runs):
    """The one-file tar PUT straight on the API, timed like an edit."""
    out = []
    for i in range(runs):
        content = f"floor {i} {time.time()}".encode()
        bio = io.BytesIO()
        with tarfile.open(fileobj=bio, mode="w") as t:
            ti = tarfile.TarInfo("app/floor.txt")
            ti.size = len(content)
            t.addfile(ti, io.BytesIO(content))
        c = UnixHTTP()
        start = time.monotonic()
        c.request("PUT", f"/v1.41/containers/{w.container}/archive?path=/&copyUIDGID=1",
                  body=bio.getvalue(), headers={"Content-Type": "application/x-tar"})
        c.getresponse().read()
        out.append(w.events.wait("floor.txt", start) - start)
    return out


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--edits", type=int, default=60)
    ap.add_argument("--batches", type=int, default=5)
    ap.add_argument("--rcompose", default=str(ROOT / "target" / "release" / "rcompose"))
    ap.add_argument("--ref", default=shutil.which("compose-ref") or "compose-ref")
    a = ap.parse_args()
    base = tempfile.mkdtemp(prefix="bench-watch-")
    subprocess.run(["cc", "-static", "-O2", "-o", str(Path(base) / "probe"),
                    str(ROOT / "scripts" / "watch_probe.c")], check=True)
    watchers = []
    try:
        watchers = [Watcher("rcompose", a.rcompose, base), Watcher("reference", a.ref, base)]
        single = {w.tool: [] for w in watchers}
        batch = {w.tool: [] for w in watchers}
        for i in range(a.edits):
            for w in watchers:
                single[w.tool].append(w.edit("edit.txt", f"edit {i} {time.time()}"))
        for i in range(a.batches):
            for w in watchers:
                batch[w.tool].append(w.batch(100, f"batch{i}"))
        engine = floor(watchers[0], a.edits)
        rows = []
        for w in watchers:
            s, b = single[w.tool], batch[w.tool]
            rows.append((w.tool, statistics.median(s) * 1000, pct(s, 90) * 1000,
                         statistics.median(b) * 1000, w.peak_rss_kib() / 1024))
        print(f"watch: {a.edits} single edits, {a.batches} batches of 100 files, alternating")
        print(f"{'tool':<10} {'edit median':>12} {'edit p90':>10} {'100 files':>10} {'peak RSS':>9}")
        for t, m, p90, b, rss in rows:
            print(f"{t:<10} {m:>9.1f} ms {p90:>7.1f} ms {b:>7.1f} ms {rss:>6.1f} MB")
        print(f"{'engine':<10} {statistics.median(engine) * 1000:>9.1f} ms"
              f" {pct(engine, 90) * 1000:>7.1f} ms   (one-file PUT on the API, no watcher)")
        (rc, ref) = rows
        print(f"ratio      {rc[1] / ref[1]:>11.2f}x {rc[2] / ref[2]:>9.2f}x {rc[3] / ref[3]:>9.2f}x"
              f" {rc[4] / ref[4]:>8.2f}x")
    finally:
        for w in watchers:
            w.close()
        if os.environ.get("BENCH_KEEP") is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
