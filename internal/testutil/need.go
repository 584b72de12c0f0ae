package testutil

import (
	"os/exec"
	"testing"
)

// Need returns the path of the program bin, and fails the test when it is
// not on PATH, naming the Debian package pkg that provides it. Tests never
// install anything: ./test.sh installs every package the tests need (its
// `need` lines) before it runs them.
func Need(t testing.TB, bin, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(bin)
	if err != nil {
		t.Fatalf("%s is not installed: it comes with the Debian package %s, which ./test.sh installs (or: apt-get install %s)", bin, pkg, pkg)
	}
	return p
}
