#!/usr/bin/env bash
# Runs every check and test of the project, as CI does:
#   ./test.sh
# It installs what the tests need (redis-server, chromium) with apt-get when
# missing, then runs gofmt, go vet, staticcheck, the race-enabled test suite
# and a short fuzzing pass over every parser.
set -euo pipefail
cd "$(dirname "$0")"

need() { # need BINARY PACKAGE
  command -v "$1" >/dev/null 2>&1 && return 0
  echo "== installing $2"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
  else
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
  fi
}
need redis-server redis-server
need redis-sentinel redis-sentinel
need redis-cli redis-tools
need chromium chromium

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then echo "gofmt would change:"; echo "$unformatted"; exit 1; fi

echo "== go vet"
go vet ./...

echo "== staticcheck"
go tool staticcheck ./...

echo "== go test -race"
go test -race -count=1 -p 1 -timeout 20m ./...

echo "== fuzz (briefly)"
FUZZTIME=${FUZZTIME:-5s}
while read -r pkg target; do
  [ -n "$pkg" ] || continue
  go test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" "$pkg" >/dev/null
  echo "   $pkg $target ok"
done < <(grep -rl --include='*_test.go' '^func Fuzz' . | while read -r f; do
  d=$(dirname "$f")
  grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | sed 's/^func //' | sed "s|^|$d |"
done)

echo "== all tests passed"
