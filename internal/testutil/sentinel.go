package testutil

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Sentinel is a real redis-sentinel on its own 127.0.0.1 port watching one
// master (quorum 1), with short timeouts so that a failover takes about a
// second.
type Sentinel struct {
	// Addr is the sentinel's host:port; Name the master's name.
	Addr, Name string
}

// StartSentinel starts redis-sentinel (failing the test when it is not
// installed: see Need) watching masterAddr under name, and stops it when the
// test ends.
func StartSentinel(t testing.TB, name, masterAddr string) *Sentinel {
	t.Helper()
	bin := Need(t, "redis-sentinel", "redis-sentinel")
	host, port, _ := net.SplitHostPort(masterAddr)
	dir := t.TempDir()
	var err error
	for range 5 {
		addr := freePort(t)
		_, sport, _ := net.SplitHostPort(addr)
		conf := filepath.Join(dir, "sentinel.conf")
		os.WriteFile(conf, []byte(fmt.Sprintf(`port %s
bind 127.0.0.1
daemonize no
dir %s
sentinel monitor %s %s %s 1
sentinel down-after-milliseconds %s 300
sentinel failover-timeout %s 2000
sentinel parallel-syncs %s 1
`, sport, dir, name, host, port, name, name, name)), 0o600)
		cmd := exec.Command(bin, conf)
		log := &bytes.Buffer{}
		cmd.Stdout, cmd.Stderr = log, log
		if err = cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		t.Cleanup(func() { cmd.Process.Kill(); <-exited })
		if err = waitPing(addr, exited, log); err == nil {
			return &Sentinel{Addr: addr, Name: name}
		}
	}
	t.Fatal(err)
	return nil
}

// waitPing waits until a server answers PING on addr, or exits.
func waitPing(addr string, exited chan struct{}, log *bytes.Buffer) error {
	gone := false
	if poll(10*time.Second, func() bool {
		select {
		case <-exited:
			gone = true
			return true
		default:
			return ping(addr)
		}
	}) && !gone {
		return nil
	}
	if gone {
		return fmt.Errorf("server on %s exited: %s", addr, lastLine(log.String()))
	}
	return fmt.Errorf("no answer to PING on %s", addr)
}

// Master returns the address the sentinel names as master now.
func (s *Sentinel) Master(t testing.TB) string {
	t.Helper()
	out := Cli(t, s.Addr, "SENTINEL", "get-master-addr-by-name", s.Name)
	f := strings.Fields(out)
	if len(f) != 2 {
		return ""
	}
	return net.JoinHostPort(f[0], f[1])
}

// Cli runs redis-cli against addr with args and returns its output; it
// fails the test when redis-cli cannot run.
func Cli(t testing.TB, addr string, args ...string) string {
	t.Helper()
	bin := Need(t, "redis-cli", "redis-tools")
	host, port, _ := net.SplitHostPort(addr)
	out, err := exec.Command(bin, append([]string{"-h", host, "-p", port}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("redis-cli %v: %v\n%s", args, err, out)
	}
	return string(out)
}
