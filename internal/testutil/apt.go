package testutil

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// EnsurePackage returns the path of the program bin, installing the Debian
// package pkg with apt-get when bin is not on PATH. Installs from parallel
// test processes take turns on a lock file; while another dpkg (outside
// the tests) holds its lock, apt-get waits for it and the install is
// retried. A program that still cannot be installed fails the test: a test
// that needs it proves nothing without it.
func EnsurePackage(t testing.TB, bin, pkg string) string {
	t.Helper()
	if p, err := exec.LookPath(bin); err == nil {
		return p
	}
	lock, err := os.OpenFile(filepath.Join(os.TempDir(), "balancer-apt.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if p, err := exec.LookPath(bin); err == nil {
		return p // installed by another test process while this one waited
	}
	out, err := aptInstall(pkg)
	if p, lerr := exec.LookPath(bin); lerr == nil {
		return p
	}
	t.Fatalf("%s is not on PATH and apt-get install %s failed: %v\n%s", bin, pkg, err, out)
	return ""
}

// aptInstall installs pkg, updating the package lists after the first
// failure, and retrying while dpkg is locked by another process (for up to
// about ten minutes in all).
func aptInstall(pkg string) ([]byte, error) {
	var out []byte
	var err error
	updated := false
	deadline := time.Now().Add(10 * time.Minute)
	for attempt := 1; ; attempt++ {
		out, err = apt("install", "-y", "-q", "--no-install-recommends", pkg)
		if err == nil {
			return out, nil
		}
		locked := bytes.Contains(out, []byte("Could not get lock")) || bytes.Contains(out, []byte("Unable to acquire the dpkg"))
		switch {
		case time.Now().After(deadline):
			return out, err
		case locked:
			time.Sleep(3 * time.Second)
		case !updated:
			updated = true
			if uout, uerr := apt("update", "-q"); uerr != nil {
				return append(out, uout...), fmt.Errorf("%v; apt-get update: %v", err, uerr)
			}
		case attempt >= 4:
			return out, err
		default:
			time.Sleep(2 * time.Second)
		}
	}
}

func apt(args ...string) ([]byte, error) {
	// DPkg::Lock::Timeout makes apt-get wait for a lock held by another
	// install instead of failing at once.
	cmd := exec.Command("apt-get", append([]string{"-o", "DPkg::Lock::Timeout=300"}, args...)...)
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	return cmd.CombinedOutput()
}
