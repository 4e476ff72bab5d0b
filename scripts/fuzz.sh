#!/usr/bin/env bash
# Fuzzes rcompose's loader (fuzz/fuzz_targets/load.rs: load, render, graph) for a given time with
# cargo-fuzz and libFuzzer on the stable toolchain these machines have (RUSTC_BOOTSTRAP=1 lets it
# take the sanitizer flags cargo-fuzz passes), seeded with every compose file of the shared
# conformance corpus. A run fails on a panic, an input taking over 1 s, or over 512 MiB; the input
# is then in fuzz/artifacts/<target>/ (turn it into a regression test). The last lines are
# libFuzzer's final statistics: `stat::number_of_executed_units` is the number of executions.
# Without a sanitizer (Rust is memory-safe, and it runs several times faster), libFuzzer checks
# memory by the process's RSS (-rss_limit_mb); SANITIZER=address adds ASan and its per-allocation
# limit (-malloc_limit_mb). Run it on an otherwise idle machine: libFuzzer's 1 s limit is wall
# time, and without a sanitizer its time-out handler can deadlock in malloc (seen once on a
# machine busy with builds: the run stopped, the input unwritten).
#
#   scripts/fuzz.sh [SECONDS] [JOBS]      default: 600 s, 1 job
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-600}
jobs=${2:-1}
target=load
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
corpus=fuzz/corpus/$target
mkdir -p "$corpus"
if [ -d ../shared/conformance ]; then
  # each seed named by its content, so that seeding twice adds nothing
  find ../shared/conformance -name '*.y*ml' ! -name 'expected.*' -size -64k -print0 |
    while IFS= read -r -d '' f; do
      cp -n "$f" "$corpus/seed-$(sha1sum "$f" | cut -c1-16)" || true
    done
fi
echo "corpus: $(find "$corpus" -type f | wc -l) inputs; fuzzing for ${secs}s with ${jobs} job(s)"
export RUSTC_BOOTSTRAP=1
args=(-max_total_time="$secs" -timeout=1 -rss_limit_mb=512 -malloc_limit_mb=512 -print_final_stats=1)
if [ "$jobs" -gt 1 ]; then
  args+=(-fork="$jobs")
fi
cargo fuzz run --release --sanitizer "${SANITIZER:-none}" "$target" "$corpus" -- "${args[@]}"
