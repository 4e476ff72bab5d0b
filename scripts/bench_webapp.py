#!/usr/bin/env python3
"""Benchmark examples/webapp: rcompose against the reference, side by side in one run.

usage: scripts/bench_webapp.py [--runs N] [--rcompose BIN] [--ref BIN] [--port P]

For each run and each tool (the order alternates between runs):
  cold   `up --build --wait` with none of the project's images (debian:bookworm-slim present;
         scripts/offline-base-image.sh makes it): four builds that apt-get install from Debian's
         mirror, then the start in dependency order, each waiting for the previous healthy
  warm   `down`, then `up --wait` with the images and the database volume kept
then `down -v --rmi local`, and every image made during the run is removed (the classic
builder keeps its cache in intermediate images) and the engine's build cache is emptied of
every record no build is using (BuildKit's cache: a webapp built before the run, by the tests
say, would make the cold build warm), so the next cold build is cold. Both tools build with their default, the engine's BuildKit (the
reference needs no buildx for it); `--classic` makes both use the classic builder
(DOCKER_BUILDKIT=0). Wall times are medians; a cold build is dominated by the package downloads,
so its ratio says little more than "the same".
Memory is the largest peak RSS (GNU time's %M). Nothing is asserted: ratios are the result.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from engine_api import image_ids, prune_cache, remove_images_since

ROOT = Path(__file__).resolve().parent.parent
FILE = ROOT / "examples" / "webapp" / "compose.yaml"
TIME = "/usr/bin/time"


def timed(cmd, env):
    """Runs cmd; returns (seconds, peak RSS in KiB). Fails loudly on a non-zero exit."""
    start = time.perf_counter()
    p = subprocess.run([TIME, "-f", "%M", *cmd], env=env, capture_output=True, text=True)
    secs = time.perf_counter() - start
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{p.stderr[-3000:]}")
    return secs, int(p.stderr.strip().splitlines()[-1])


def forget_builds(before):
    """Removes every image made since `before`, intermediate layers too (the classic builder's
    cache lives in them, and the reference's `down --rmi local` leaves them behind), and the
    build cache records no build uses (BuildKit's)."""
    remove_images_since(before)
    prune_cache(lambda _id, _description: False)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--rcompose", default=str(ROOT / "target" / "release" / "rcompose"))
    ap.add_argument("--ref", default="compose-ref")
    ap.add_argument("--port", default="18080")
    ap.add_argument("--classic", action="store_true", help="both tools: DOCKER_BUILDKIT=0")
    a = ap.parse_args()
    subprocess.run([ROOT / "scripts" / "offline-base-image.sh"], check=True, capture_output=True)
    env = dict(os.environ, FRONTEND_PORT=a.port)
    if a.classic:
        env["DOCKER_BUILDKIT"] = "0"
    tools = {"rcompose": a.rcompose, "reference": a.ref}
    results = {t: {"cold": [], "warm": [], "rss": 0} for t in tools}
    before = image_ids()
    for run in range(a.runs):
        order = list(tools) if run % 2 == 0 else list(reversed(tools))
        for tool in order:
            base = [tools[tool], "-f", str(FILE), "-p", f"benchweb{run}{tool[:3]}"]
            clean = base + ["down", "-v", "--rmi", "local"]
            subprocess.run(clean, env=env, capture_output=True)
            forget_builds(before)
            try:
                secs, rss = timed(base + ["up", "--build", "--wait"], env)
                results[tool]["cold"].append(secs)
                results[tool]["rss"] = max(results[tool]["rss"], rss)
                subprocess.run(base + ["down"], env=env, check=True, capture_output=True)
                secs, rss = timed(base + ["up", "--wait"], env)
                results[tool]["warm"].append(secs)
                results[tool]["rss"] = max(results[tool]["rss"], rss)
            finally:
                subprocess.run(clean, env=env, capture_output=True)
                forget_builds(before)
            print(f"run {run + 1} {tool}: cold {results[tool]['cold'][-1]:.1f}s "
                  f"warm {results[tool]['warm'][-1]:.1f}s", file=sys.stderr)
    med = {t: {k: statistics.median(results[t][k]) for k in ("cold", "warm")} for t in tools}
    print(f"{'examples/webapp':<22}{'rcompose':>10}{'reference':>11}{'ratio':>8}")
    for k, what in (("cold", "up --build --wait"), ("warm", "up --wait")):
        r, f = med["rcompose"][k], med["reference"][k]
        print(f"{what:<22}{r:>9.1f}s{f:>10.1f}s{r / f:>7.2f}x")
    r, f = results["rcompose"]["rss"] / 1024, results["reference"]["rss"] / 1024
    print(f"{'peak RSS':<22}{r:>7.1f}MiB{f:>8.1f}MiB{r / f:>7.2f}x")


if __name__ == "__main__":
    main()
