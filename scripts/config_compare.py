#!/usr/bin/env python3
"""Compare a candidate's `config --format json` (or its YAML, or `config --hash '*'`) with the reference's.

From ../shared/tools/config_compare.py (the shared corpus's own tool), extended with --yaml.

usage: config_compare.py --bin PATH [--corpus DIR] [--set NAME ...] [--case SUBSTR] [--hash --ref PATH]
                         [--yaml] [--min-pass FRACTION] [-v] [--jobs N]

The corpus (default: ../../shared/conformance from this script) holds cases.json and one folder per case with
the reference's expected.config.json / expected.rc. Each case runs the candidate the
way the reference was run: in the case folder (its `cwd`), with `-f` for each listed file, in an empty
environment but PATH and HOME. Absolute paths in the expected files are written as @CORPUS@; the
candidate's output gets the same substitution before comparing.

A case passes when
  - the reference failed (rc != 0, or killed after 30 s) and the candidate exits non-zero within 30 s, or
  - both exit 0 and the JSON documents are equal.
With --yaml, `config` (its default YAML output) must equal expected.config.yaml byte for byte, or both
fail (the reference's `yaml_rc`).
With --hash, only cases the reference accepts count, and both binaries are run live in the same folder
(the hash covers absolute paths): a case passes when the `SERVICE HASH` lines are equal. Equal hashes
mean the two tools recreate nothing when a user switches between them.
Prints one line per failing case (every case with -v, with differences) and, last, the line
'config conformance: N passed, M failed' (or 'hash conformance: ...'). Exits 1 when the pass
fraction is below --min-pass (default 1.0).
"""
import argparse
import difflib
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))


def run(bin_, case_dir, case, extra):
    argv = [bin_] + [a for f in case["files"] for a in ("-f", f)] + extra
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/root")}
    try:
        p = subprocess.run(argv, cwd=os.path.join(case_dir, case["cwd"]), env=env, capture_output=True,
                           stdin=subprocess.DEVNULL, timeout=30)
        return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")
    except subprocess.TimeoutExpired:
        return 124, "", "timed out after 30 s"
    except OSError as e:
        return 127, "", str(e)


def diff(a, b, path=""):
    if type(a) is not type(b):
        return [f"{path or '/'}: reference {a!r:.80} != candidate {b!r:.80}"]
    if isinstance(a, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            if k not in a:
                out.append(f"{path}/{k}: only in candidate")
            elif k not in b:
                out.append(f"{path}/{k}: only in reference")
            else:
                out += diff(a[k], b[k], f"{path}/{k}")
        return out
    if isinstance(a, list):
        if len(a) != len(b):
            return [f"{path}: reference has {len(a)} items, candidate {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in diff(x, y, f"{path}[{i}]")]
    return [] if a == b else [f"{path}: reference {a!r:.80} != candidate {b!r:.80}"]


def check(args, corpus, case):
    case_dir = os.path.join(corpus, case["set"], case["name"])
    root = os.path.realpath(corpus)
    exp_rc = int(open(os.path.join(case_dir, "expected.rc")).read().strip() or 1)
    if args.hash:
        if exp_rc != 0:
            return None
        rc, out, err = run(args.bin, case_dir, case, ["config", "--hash", "*"])
        _, ref_out, _ = run(args.ref, case_dir, case, ["config", "--hash", "*"])
        ok = rc == 0 and sorted(ref_out.split("\n")) == sorted(out.split("\n"))
        return ok, "equal" if ok else f"rc={rc} {err.strip()[:150]}" if rc else "hashes differ"
    if args.yaml:
        return check_yaml(args, case_dir, root, case)
    rc, out, err = run(args.bin, case_dir, case, ["config", "--format", "json"])
    if exp_rc != 0:
        ok = rc != 0 and rc != 124
        return ok, "both reject" if ok else f"reference rejects, candidate rc={rc}"
    if rc != 0:
        return False, f"reference accepts, candidate rc={rc}: {err.strip().splitlines()[-1][:200] if err.strip() else ''}"
    try:
        want = json.loads(open(os.path.join(case_dir, "expected.config.json")).read().replace(root, "@CORPUS@"))
        got = json.loads(out.replace(root, "@CORPUS@"))
    except ValueError as e:
        return False, f"candidate output is not JSON: {e}"
    d = diff(want, got)
    return not d, "equal" if not d else f"{len(d)} differences: " + "; ".join(d[: 30 if args.verbose else 3])


def check_yaml(args, case_dir, root, case):
    rc, out, err = run(args.bin, case_dir, case, ["config"])
    if case.get("yaml_rc", 1) != 0:
        ok = rc != 0 and rc != 124
        return ok, "both reject" if ok else f"reference rejects, candidate rc={rc}"
    if rc != 0:
        return False, f"reference accepts, candidate rc={rc}: {err.strip().splitlines()[-1][:200] if err.strip() else ''}"
    want = open(os.path.join(case_dir, "expected.config.yaml"), encoding="utf-8").read().replace(root, "@CORPUS@")
    got = out.replace(root, "@CORPUS@")
    if want == got:
        return True, "equal"
    d = list(difflib.unified_diff(want.splitlines(), got.splitlines(), "reference", "candidate", lineterm="", n=1))
    return False, f"{len(d)} diff lines:\n    " + "\n    ".join(d[: 40 if args.verbose else 8])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--corpus", default=os.path.join(HERE, "..", "..", "shared", "conformance"))
    ap.add_argument("--set", action="append")
    ap.add_argument("--case")
    ap.add_argument("--hash", action="store_true")
    ap.add_argument("--ref", default="compose-ref", help="the reference binary, for --hash")
    ap.add_argument("--yaml", action="store_true", help="compare `config` YAML byte for byte")
    ap.add_argument("--min-pass", type=float, default=1.0)
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--jobs", type=int, default=4)
    args = ap.parse_args()
    args.bin = os.path.abspath(args.bin) if os.path.exists(args.bin) else args.bin
    corpus = os.path.abspath(args.corpus)
    cases = json.load(open(os.path.join(corpus, "cases.json")))
    cases = [c for c in cases if (not args.set or c["set"] in args.set) and (not args.case or args.case in c["name"])]
    with ThreadPoolExecutor(args.jobs) as ex:
        results = list(ex.map(lambda c: (c, check(args, corpus, c)), cases))
    passed = failed = 0
    for case, res in results:
        if res is None:
            continue
        ok, why = res
        passed += ok
        failed += not ok
        if args.verbose or not ok:
            print(f"{'PASS' if ok else 'FAIL'} {case['set']}/{case['name']}: {why}")
    total = passed + failed
    print(f"{'hash' if args.hash else 'yaml' if args.yaml else 'config'} conformance: {passed} passed, {failed} failed")
    sys.exit(0 if total and passed / total >= args.min_pass else 1)


if __name__ == "__main__":
    main()
