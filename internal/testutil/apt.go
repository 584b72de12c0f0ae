package testutil

import (
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// EnsurePackage returns the path of bin, installing the Debian package pkg
// with apt-get when bin is missing. Installs are serialised across test
// processes with a lock file, and retried while another dpkg holds its lock.
func EnsurePackage(t testing.TB, bin, pkg string) string {
	t.Helper()
	if p, err := exec.LookPath(bin); err == nil {
		return p
	}
	lock, err := os.OpenFile(os.TempDir()+"/balancer-apt.lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if p, err := exec.LookPath(bin); err == nil {
		return p
	}
	var out []byte
	for i := 0; i < 30; i++ {
		cmd := exec.Command("apt-get", "install", "-y", "-q", pkg)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		out, err = cmd.CombinedOutput()
		if err == nil {
			break
		}
		if i == 0 {
			exec.Command("apt-get", "update", "-q").Run()
		}
		time.Sleep(2 * time.Second) // dpkg may be locked by another install
	}
	p, lerr := exec.LookPath(bin)
	if lerr != nil {
		t.Skipf("%s is not installed and apt-get install %s failed: %v\n%s", bin, pkg, err, out)
	}
	return p
}
