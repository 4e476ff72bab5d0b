#!/usr/bin/env python3
"""Benchmark a multi-stage build: rcompose against the reference, side by side in one run.

usage: scripts/bench_build.py [--runs N] [--rcompose BIN] [--ref BIN]

The Dockerfile has three independent stages that each take 3 s (`RUN sleep 3`) and a final
stage that copies from all three. Each run and each way of building (the order rotates between
runs) builds it with a fresh build argument, so that no step is cached:
  rcompose            the engine's BuildKit (rcompose's default)
  reference           the reference's default: the engine's BuildKit too (no buildx here)
  rcompose classic    DOCKER_BUILDKIT=0
  reference classic   DOCKER_BUILDKIT=0
The image, every image the build left and every build cache record it made are removed after
each build. Wall times
are medians. Nothing is asserted: the ratios are the result (the target: rcompose at most 1.0x
the reference's default, and at most 0.5x the classic builder).
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from engine_api import image_ids, prune_cache, remove_images_since

ROOT = Path(__file__).resolve().parent.parent
IMAGE = "rcompose-test/busybox:latest"
DOCKERFILE = """FROM {image} AS a
ARG TOKEN
RUN sleep 3 && echo "$TOKEN a" > /a
FROM {image} AS b
ARG TOKEN
RUN sleep 3 && echo "$TOKEN b" > /b
FROM {image} AS c
ARG TOKEN
RUN sleep 3 && echo "$TOKEN c" > /c
FROM {image}
COPY --from=a /a /a
COPY --from=b /b /b
COPY --from=c /c /c
"""


def forget(token, image, before):
    """Removes the image, every image made since `before` (the classic builder leaves each
    stage's last step behind as an image), and the build cache records whose steps carry
    `token`."""
    subprocess.run(["docker", "rmi", "-f", image], capture_output=True)
    remove_images_since(before)
    prune_cache(lambda _id, description: token not in description)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--rcompose", default=str(ROOT / "target" / "release" / "rcompose"))
    ap.add_argument("--ref", default="compose-ref")
    a = ap.parse_args()
    subprocess.run([ROOT / "scripts" / "test-images.sh"], check=True, capture_output=True)
    ways = {
        "rcompose": (a.rcompose, {}),
        "reference": (a.ref, {}),
        "rcompose classic": (a.rcompose, {"DOCKER_BUILDKIT": "0"}),
        "reference classic": (a.ref, {"DOCKER_BUILDKIT": "0"}),
    }
    times = {w: [] for w in ways}
    before = image_ids()
    with tempfile.TemporaryDirectory(prefix="bench-build-") as d:
        Path(d, "Dockerfile").write_text(DOCKERFILE.format(image=IMAGE))
        Path(d, "compose.yaml").write_text("services:\n  app:\n    build: .\n")
        for run in range(a.runs):
            names = list(ways)
            order = names[run % len(names):] + names[:run % len(names)]
            for way in order:
                binary, extra = ways[way]
                token = f"bench{os.getpid()}r{run}{way.replace(' ', '')}"
                project = f"benchbuild{os.getpid()}"
                env = dict(os.environ, **extra)
                cmd = [binary, "-p", project, "build", "--build-arg", f"TOKEN={token}"]
                try:
                    start = time.perf_counter()
                    p = subprocess.run(cmd, cwd=d, env=env, capture_output=True, text=True)
                    secs = time.perf_counter() - start
                    if p.returncode != 0:
                        sys.exit(f"{way}: {' '.join(cmd)} failed:\n{p.stderr[-3000:]}")
                    times[way].append(secs)
                finally:
                    forget(token, f"{project}-app", before)
                print(f"run {run + 1} {way}: {secs:.2f}s", file=sys.stderr)
    med = {w: statistics.median(t) for w, t in times.items()}
    print(f"{'3 stages of 3 s + a final one':<32}{'median':>9}{'rcompose /':>12}")
    for w in ways:
        print(f"{w:<32}{med[w]:>8.2f}s{med['rcompose'] / med[w]:>11.2f}x")


if __name__ == "__main__":
    main()
