#!/usr/bin/env python3
"""rcompose stack deploy against docker stack deploy, side by side in one run.

On a 3-node swarm this script starts (scripts/swarm-lab.sh: dockerd nodes in network namespaces,
a registry on node 1; never the machine's engine), 3 services x 2 replicas with healthchecks:

  deploy    time until the command returns with every task running and healthy:
            `rcompose stack deploy --wait` vs `docker stack deploy --detach=false`
  redeploy  the same command again, nothing changed

The tools alternate, each round on fresh stack names; each stack is removed before the next
round. Prints the medians and the ratios (rcompose / docker). Needs root and a release build:

    cargo build --release && sudo scripts/bench_stack.py [--rounds 5]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAB = os.path.join(ROOT, "scripts", "swarm-lab.sh")
RCOMPOSE = os.path.join(ROOT, "target", "release", "rcompose")

PROJECT = """version: "3.8"
services:
{services}
"""

SERVICE = """  {name}:
    image: {image}
    init: true
    command: ["sh", "-c", "touch /tmp/ready; exec sleep 3600"]
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ready"]
      interval: 1s
      timeout: 2s
      retries: 30
    deploy:
      replicas: 2
"""


def run(cmd, env=None, cwd=None, check=True):
    p = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    if check and p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    return p


def timed(cmd, env, cwd):
    start = time.monotonic()
    run(cmd, env=env, cwd=cwd)
    return time.monotonic() - start


def all_running(env, stack, want):
    """Every task of the stack runs (healthy: Swarm runs a task with a healthcheck once it is)."""
    out = run(["docker", "stack", "ps", stack, "--filter", "desired-state=running",
               "--format", "{{.CurrentState}}"], env=env).stdout.split("\n")
    running = sum(1 for l in out if l.startswith("Running"))
    return running == want


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    if not os.access(RCOMPOSE, os.X_OK):
        sys.exit("build first: cargo build --release")
    lab_dir = f"/tmp/rcompose-swarm/bench-{os.getpid()}"
    lab = run([LAB, "up", lab_dir, "3", str(os.getpid())]).stdout
    try:
        var = dict(l.split("=", 1) for l in lab.splitlines() if "=" in l)
        run([LAB, "push", lab_dir, "rcompose-test/busybox:latest", "busybox:1"])
        image = f"{var['REGISTRY']}/busybox:1"
        env = dict(os.environ, DOCKER_HOST=var["NODE1_HOST"], NO_COLOR="1")
        work = tempfile.mkdtemp(prefix="rcompose-bench-stack-")
        services = "".join(SERVICE.format(name=n, image=image) for n in ("api", "worker", "cache"))
        with open(os.path.join(work, "compose.yaml"), "w") as f:
            f.write(PROJECT.format(services=services))
        tools = {
            "rcompose": lambda s: [RCOMPOSE, "-p", s, "stack", "deploy", "--wait", s],
            "docker": lambda s: ["docker", "stack", "deploy", "-c", "compose.yaml",
                                 "--detach=false", s],
        }
        times = {(t, k): [] for t in tools for k in ("deploy", "redeploy")}
        for r in range(args.rounds):
            order = list(tools) if r % 2 == 0 else list(reversed(tools))
            for tool in order:
                stack = f"bench{r}{tool[0]}"
                first = timed(tools[tool](stack), env, work)
                if not all_running(env, stack, 6):
                    sys.exit(f"{tool}: the deploy returned before every task ran")
                again = timed(tools[tool](stack), env, work)
                times[(tool, "deploy")].append(first)
                times[(tool, "redeploy")].append(again)
                print(f"round {r + 1} {tool:8} deploy {first:6.2f}s  redeploy {again:6.2f}s",
                      flush=True)
                run([RCOMPOSE, "stack", "rm", stack], env=env, cwd=work)
        print()
        print(f"3 services x 2 replicas with healthchecks, 3-node swarm, {args.rounds} rounds (median)")
        print(f"{'':10} {'rcompose':>10} {'docker':>10} {'ratio':>7}")
        for k in ("deploy", "redeploy"):
            a = statistics.median(times[("rcompose", k)])
            b = statistics.median(times[("docker", k)])
            print(f"{k:10} {a:9.2f}s {b:9.2f}s {a / b:7.3f}x")
    finally:
        run([LAB, "down", lab_dir], check=False)


if __name__ == "__main__":
    main()
