#!/usr/bin/env bash
# What cmd/balancer/default.pgo is worth on the request path's own code:
# the Go benchmarks of a package built without and with the profile
# (`go test` applies default.pgo only to a main package, so -pgo names it),
# run in turn ROUNDS times and compared by benchstat.
#
#   bench/pgo/check.sh                               # ./proxy's Forward benchmarks, 6 rounds
#   BENCH='Forward(Sticky|NoCookie)' ROUNDS=10 bench/pgo/check.sh
#
# The benchmarks run the whole request path over in-memory listeners, so
# they measure the code PGO changes and not the kernel's share (the system
# calls), which it cannot change.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PKG=${PKG:-./proxy}
BENCH=${BENCH:-Forward}
ROUNDS=${ROUNDS:-6}
BENCHTIME=${BENCHTIME:-1s}
PROFILE=${PROFILE:-$ROOT/cmd/balancer/default.pgo}
BENCHSTAT=${BENCHSTAT:-golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da}
TMP=$(mktemp -d /tmp/balancer-pgo-check.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

echo "== building $PKG without and with $PROFILE"
(cd "$ROOT" && go test -c -pgo=off -o "$TMP/off.test" "$PKG" && go test -c -pgo="$PROFILE" -o "$TMP/pgo.test" "$PKG")
dir="$ROOT/${PKG#./}"
for i in $(seq "$ROUNDS"); do
  echo "== round $i of $ROUNDS"
  for v in off pgo; do
    (cd "$dir" && "$TMP/$v.test" -test.run '^$' -test.bench "$BENCH" -test.benchmem -test.benchtime "$BENCHTIME") |
      grep -E '^(Benchmark|goos|goarch|pkg|cpu)' >> "$TMP/$v.txt"
  done
done
echo "== without (off) vs with the profile (pgo)"
go run "$BENCHSTAT" off="$TMP/off.txt" pgo="$TMP/pgo.txt"
