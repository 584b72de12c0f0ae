#!/usr/bin/env bash
# Runs every check and test of the project, as CI does:
#   ./test.sh
# It installs what the tests need (redis-server, redis-sentinel, redis-cli,
# chromium, systemd-analyze, curl) with apt-get when missing: go test never
# installs anything, and a test whose program is missing fails naming its
# package (testutil.Need). Then it runs gofmt, go vet, staticcheck, the race-enabled test suite
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
# Every step says its name; a failing step is named again at the end, after
# its own output.
step() { STEP=$1; echo "== $1"; }
STEP=setup
trap 'echo "== FAILED: $STEP (its output is above)"' ERR
need redis-server redis-server
need redis-sentinel redis-sentinel
need redis-cli redis-tools
need chromium chromium
need systemd-analyze systemd
need curl curl

step "gofmt"
if [ -e .git ]; then gofiles=$(git ls-files '*.go'); else gofiles=$(find . -name '*.go'); fi
unformatted=$(gofmt -l $gofiles)
if [ -n "$unformatted" ]; then echo "gofmt would change:"; echo "$unformatted"; exit 1; fi

step "go vet"
go vet ./...

step "staticcheck"
go tool staticcheck ./...

step "go test -race"
go test -race -count=1 -p 1 -timeout 20m ./...

step "fuzz (briefly)"
# The seed corpora (f.Add and testdata/fuzz/) already ran as ordinary
# tests above. Here each target is fuzzed for FUZZTIME; the step fails only
# when the fuzzer finds an input that fails the target when run again on
# its own, and then prints that input's file and content. A fuzzing run
# that ends badly without such an input (a worker the loaded machine let
# hang past the engine's deadline, say) prints its output and the step
# goes on.
FUZZTIME=${FUZZTIME:-5s}
fuzz_failed=0
fuzz_log=$(mktemp)
while read -r pkg target; do
  [ -n "$pkg" ] || continue
  corpus="$pkg/testdata/fuzz/$target"
  listing() { if [ -d "$corpus" ]; then ls "$corpus" | sort; fi; }
  before=$(listing)
  if go test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" "$pkg" >"$fuzz_log" 2>&1; then
    echo "   $pkg $target ok"
    continue
  fi
  after=$(listing)
  new=$(comm -13 <(echo "$before") <(echo "$after") | sed '/^$/d')
  crashed=0
  for f in $new; do
    if go test -count=1 -timeout 120s -run "^${target}\$/^${f}\$" "$pkg" >"$fuzz_log.rerun" 2>&1; then
      echo "   $pkg $target: the fuzzer stopped on $corpus/$f, which passes when run again:"
      sed 's/^/      /' "$fuzz_log" | grep -v '^      fuzz: elapsed' | tail -20
      rm -f "$corpus/$f"
    else
      crashed=1
      echo "   $pkg $target FAILED on $corpus/$f:"
      sed 's/^/      /' "$corpus/$f"
      sed 's/^/      /' "$fuzz_log.rerun"
    fi
  done
  if [ -z "$new" ]; then
    echo "   $pkg $target: fuzzing ended without a failing input:"
    sed 's/^/      /' "$fuzz_log" | grep -v '^      fuzz: elapsed' | tail -20
  fi
  [ "$crashed" = 0 ] || fuzz_failed=1
done < <(grep -rl --include='*_test.go' '^func Fuzz' . | while read -r f; do
  d=$(dirname "$f")
  grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | sed 's/^func //' | sed "s|^|$d |"
done)
rm -f "$fuzz_log" "$fuzz_log.rerun"
if [ "$fuzz_failed" != 0 ]; then
  echo "== fuzzing found failing inputs (above); they are in testdata/fuzz/ and now run with go test"
  exit 1
fi

# Real Tomcat 10 and Jetty 9.4 nodes with their sessions in MariaDB, behind
# the balancer binary (interop/, build tag interop; README "Tomcat", "Jetty").
# Installs a JDK, Tomcat, Jetty and MariaDB from Debian's packages when missing.
echo "== interop (Tomcat, Jetty, MariaDB)"
if [ "${BALANCER_SKIP_INTEROP:-}" = 1 ]; then
  echo "!!! interop SKIPPED (BALANCER_SKIP_INTEROP=1): Tomcat and Jetty were NOT tested"
else
  for f in javac:default-jdk-headless mariadbd:mariadb-server-core mariadb:mariadb-client-core \
      /usr/share/tomcat10/bin/bootstrap.jar:tomcat10-common /usr/share/java/tomcat10-catalina-ha.jar:libtomcat10-java \
      /usr/share/jetty9/start.jar:jetty9 /usr/share/java/mariadb-java-client.jar:libmariadb-java; do
    [ -e "${f%%:*}" ] || need "${f%%:*}" "${f#*:}"
  done
  go vet -tags interop ./interop/
  go tool staticcheck -tags interop ./interop/
  go test -race -tags interop -count=1 -timeout 10m ./interop/
fi

echo "== all tests passed"
