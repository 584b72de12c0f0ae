package testutil

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Redis is a real redis-server started by a test on its own port.
type Redis struct {
	Addr string
	bin  string
	dir  string
	cmd  *exec.Cmd
	t    testing.TB
}

// StartRedis starts redis-server on a free 127.0.0.1 port (installing it
// when missing) and stops it when the test ends.
func StartRedis(t testing.TB) *Redis {
	t.Helper()
	bin := EnsurePackage(t, "redis-server", "redis-server")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	r := &Redis{Addr: addr, bin: bin, dir: t.TempDir(), t: t}
	r.Start()
	t.Cleanup(r.Stop)
	return r
}

// Start (re)starts the server on its address.
func (r *Redis) Start() {
	r.t.Helper()
	_, port, _ := net.SplitHostPort(r.Addr)
	r.cmd = exec.Command(r.bin, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", r.dir)
	if err := r.cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if ping(r.Addr) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	r.t.Fatalf("redis-server did not answer on %s", r.Addr)
}

// Stop kills the server (its data is gone).
func (r *Redis) Stop() {
	if r.cmd != nil && r.cmd.Process != nil {
		r.cmd.Process.Kill()
		r.cmd.Wait()
		r.cmd = nil
	}
}

func ping(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	fmt.Fprint(c, "PING\r\n")
	line, _ := bufio.NewReader(c).ReadString('\n')
	return strings.HasPrefix(line, "+PONG")
}

// Signal sends sig to the server (SIGSTOP: a Redis that accepts
// connections but answers nothing).
func (r *Redis) Signal(sig os.Signal) {
	if r.cmd != nil && r.cmd.Process != nil {
		r.cmd.Process.Signal(sig)
	}
}
