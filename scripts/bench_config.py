#!/usr/bin/env python3
"""Benchmark `config --format json`: rcompose against the reference, side by side in one run.

usage: scripts/bench_config.py [--rcompose BIN] [--ref BIN] [--runs N] [--sizes 10,500]

Projects come from ../shared/tools/gen_compose.py N --rich. Each size runs both tools N times,
alternating, and reports the median wall time and the largest peak RSS (GNU time's %M) of each, with
the ratios rcompose / reference. Nothing is asserted: machines are noisy, ratios are the result.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GEN = ROOT.parent / "shared" / "tools" / "gen_compose.py"
TIME = "/usr/bin/time"


def run_once(argv, cwd):
    """Wall seconds and peak RSS (KiB) of one run; its output is discarded.

    The peak comes from GNU time: a child forked from Python would inherit Python's own RSS
    high-water mark through exec, and inflate small figures."""
    with tempfile.NamedTemporaryFile("r") as rss_file:
        start = time.perf_counter()
        proc = subprocess.run([TIME, "-f", "%M", "-o", rss_file.name] + argv, cwd=cwd,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              env={"PATH": os.environ.get("PATH", ""), "HOME": "/root"})
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            sys.exit(f"{argv[0]} failed in {cwd}: {proc.stderr.decode(errors='replace')}")
        return wall, int(rss_file.read().split()[-1])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rcompose", default=str(ROOT / "target" / "release" / "rcompose"))
    p.add_argument("--ref", default="/usr/local/bin/compose-ref")
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--sizes", default="10,500")
    a = p.parse_args()
    for binary in (a.rcompose, a.ref, TIME):
        if not os.access(binary, os.X_OK):
            sys.exit(f"missing binary: {binary} (cargo build --release; ../shared/tools/install-reference.sh; apt-get install time)")

    print(f"config --format json, {a.runs} runs each, alternating; median wall time, max peak RSS")
    print(f"{'services':>8}  {'rcompose':>18}  {'reference':>18}  {'time ratio':>10}  {'memory ratio':>12}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in [int(x) for x in a.sizes.split(",")]:
            project = Path(tmp) / f"bench{n}"
            project.mkdir()
            with open(project / "compose.yaml", "w") as f:
                subprocess.run([sys.executable, str(GEN), str(n), "--rich"], stdout=f, check=True)
            results = {"rcompose": ([], []), "reference": ([], [])}
            for _ in range(a.runs):
                for name, binary in (("rcompose", a.rcompose), ("reference", a.ref)):
                    wall, rss = run_once([binary, "config", "--format", "json"], project)
                    results[name][0].append(wall)
                    results[name][1].append(rss)
            med = {k: statistics.median(v[0]) for k, v in results.items()}
            rss = {k: max(v[1]) for k, v in results.items()}
            cell = lambda k: f"{med[k] * 1000:7.1f} ms {rss[k] / 1024:6.1f} MiB"
            print(f"{n:>8}  {cell('rcompose'):>18}  {cell('reference'):>18}  "
                  f"{med['rcompose'] / med['reference']:>9.3f}x  {rss['rcompose'] / rss['reference']:>11.3f}x")


if __name__ == "__main__":
    main()
