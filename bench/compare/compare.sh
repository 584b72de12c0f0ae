#!/usr/bin/env bash
# Compares the Go benchmarks of a package between a git revision and the
# working tree, for anyone changing the hot path:
#
#   bench/compare/compare.sh                       # main vs the working tree, ./proxy, Forward, 6 rounds
#   REV=842ec03 PKG=./proxy BENCH='Forward(Sticky|NoCookie)' ROUNDS=10 bench/compare/compare.sh
#
# Both test binaries are built first, then run in turn, one round each,
# ROUNDS times (interleaved, so that the machine's drift falls on both
# alike), with -benchmem; benchstat prints the medians, their spread and
# whether the difference is significant. Nothing here asserts a time: read
# the table.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
REV=${REV:-main}
PKG=${PKG:-./proxy}
BENCH=${BENCH:-Forward}
ROUNDS=${ROUNDS:-6}
BENCHTIME=${BENCHTIME:-1s}
BENCHSTAT=${BENCHSTAT:-golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da}
TMP=$(mktemp -d /tmp/balancer-compare.XXXXXX)
cleanup() {
  git -C "$ROOT" worktree remove --force "$TMP/before" >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT

echo "== building $PKG at $REV and in the working tree"
git -C "$ROOT" worktree add -q --detach "$TMP/before" "$REV"
(cd "$TMP/before" && go test -c -o "$TMP/before.test" "$PKG")
(cd "$ROOT" && go test -c -o "$TMP/after.test" "$PKG")

pkgdir_before="$TMP/before/${PKG#./}"
pkgdir_after="$ROOT/${PKG#./}"
for i in $(seq "$ROUNDS"); do
  echo "== round $i of $ROUNDS"
  (cd "$pkgdir_before" && "$TMP/before.test" -test.run '^$' -test.bench "$BENCH" -test.benchmem -test.benchtime "$BENCHTIME") \
    | grep -E '^(Benchmark|goos|goarch|pkg|cpu)' >> "$TMP/before.txt"
  (cd "$pkgdir_after" && "$TMP/after.test" -test.run '^$' -test.bench "$BENCH" -test.benchmem -test.benchtime "$BENCHTIME") \
    | grep -E '^(Benchmark|goos|goarch|pkg|cpu)' >> "$TMP/after.txt"
done
echo "== $REV (before) vs the working tree (after)"
go run "$BENCHSTAT" before="$TMP/before.txt" after="$TMP/after.txt"
