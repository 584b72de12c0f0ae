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
