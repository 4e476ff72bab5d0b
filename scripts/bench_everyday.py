#!/usr/bin/env python3
"""Benchmark the everyday commands: rcompose against the reference, side by side in one run.

usage: scripts/bench_everyday.py [--runs N] [--rcompose BIN] [--ref BIN]

Scenarios (image rcompose-test/busybox, scripts/test-images.sh makes it):
  logs      `logs --tail 100` of 10 services that each printed 2000 lines
  exec      `exec -T web true` in a running service
  ps        `ps` of 100 running services (gen_compose.py 100)
Both tools run the same command on the same containers, alternating, `--runs` times each; the
times are medians, memory the largest peak RSS (GNU time's %M). Nothing is asserted: the ratios
are the result. For exec, the engine floor is the same exec made straight on the API by this
script (create, start with its output to the end, inspect).
"""
import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from engine_api import UnixHTTP

ROOT = Path(__file__).resolve().parent.parent
GEN = ROOT.parent / "shared" / "tools" / "gen_compose.py"
IMAGE = "rcompose-test/busybox"

LOGS = """services:
""" + "".join(
    f"""  s{i}:
    image: {IMAGE}
    init: true
    command: [sh, -c, 'i=0; while [ $$i -lt 2000 ]; do echo s{i} line $$i; i=$$((i+1)); done; exec sleep 600']
"""
    for i in range(10)
)

EXEC = f"""services:
  web:
    image: {IMAGE}
    init: true
    command: [sleep, '600']
"""


def api(method, path, body=None):
    c = UnixHTTP()
    c.request(method, "/v1.41" + path, body=json.dumps(body) if body is not None else None,
              headers={"Content-Type": "application/json"})
    r = c.getresponse()
    out = r.read()
    c.close()
    return json.loads(out) if out and r.getheader("Content-Type", "").startswith("application/json") else out


def exec_floor(container):
    """`exec true` straight on the API: create, start (output to its end), inspect."""
    start = time.perf_counter()
    e = api("POST", f"/containers/{container}/exec",
            {"Cmd": ["true"], "AttachStdout": True, "AttachStderr": True})
    api("POST", f"/exec/{e['Id']}/start", {"Detach": False, "Tty": False})
    code = api("GET", f"/exec/{e['Id']}/json")["ExitCode"]
    assert code == 0, code
    return time.perf_counter() - start


def timed(cmd, cwd):
    start = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], cwd=cwd, capture_output=True)
    secs = time.perf_counter() - start
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{p.stderr.decode()[-2000:]}")
    return secs, int(p.stderr.decode().strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--rcompose", default=str(ROOT / "target" / "release" / "rcompose"))
    ap.add_argument("--ref", default="compose-ref")
    a = ap.parse_args()
    subprocess.run([ROOT / "scripts" / "test-images.sh"], check=True, capture_output=True)
    gen = subprocess.run([sys.executable, GEN, "100", "--image", IMAGE], check=True,
                         capture_output=True, text=True).stdout
    scenarios = [
        ("logs --tail 100 (10 services)", LOGS, ["logs", "--tail", "100"], "bench-logs"),
        ("exec -T web true", EXEC, ["exec", "-T", "web", "true"], "bench-exec"),
        ("ps (100 services)", gen, ["ps"], "bench-ps"),
    ]
    tools = {"rcompose": a.rcompose, "reference": a.ref}
    print(f"{'command':<32}{'rcompose':>12}{'reference':>12}{'ratio':>8}{'mem ratio':>11}")
    for what, yaml, args, project in scenarios:
        with tempfile.TemporaryDirectory() as d:
            Path(d, "compose.yaml").write_text(yaml)
            base = lambda tool: [tools[tool], "-p", project]  # noqa: E731
            subprocess.run(base("rcompose") + ["up", "-d", "--wait"], cwd=d, check=True,
                           capture_output=True)
            if project == "bench-logs":
                # every service has printed its lines
                for _ in range(600):
                    out = subprocess.run(base("rcompose") + ["logs", "--tail", "1"], cwd=d,
                                         capture_output=True, text=True).stdout
                    if out.count("line 1999") == 10:
                        break
                    time.sleep(0.1)
            times = {t: [] for t in tools}
            rss = {t: 0 for t in tools}
            floors = []
            try:
                for run in range(a.runs):
                    order = list(tools) if run % 2 == 0 else list(reversed(tools))
                    for tool in order:
                        secs, mem = timed(base(tool) + args, d)
                        times[tool].append(secs)
                        rss[tool] = max(rss[tool], mem)
                    if project == "bench-exec":
                        floors.append(exec_floor(f"{project}-web-1"))
            finally:
                subprocess.run(base("rcompose") + ["down", "-t", "0"], cwd=d, capture_output=True)
            r, f = statistics.median(times["rcompose"]), statistics.median(times["reference"])
            print(f"{what:<32}{r * 1000:>10.1f}ms{f * 1000:>10.1f}ms{r / f:>7.2f}x"
                  f"{rss['rcompose'] / rss['reference']:>10.2f}x", flush=True)
            if floors:
                floor = statistics.median(floors)
                print(f"{'  engine floor (API calls)':<32}{floor * 1000:>10.1f}ms{'':>12}"
                      f"{floor / f:>7.2f}x", flush=True)


if __name__ == "__main__":
    main()
