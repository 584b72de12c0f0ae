package testutil

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// Redis is a real redis-server that a test started on its own 127.0.0.1
// port, with persistence off. Stop and Start kill it and bring it back,
// empty, on the same port.
type Redis struct {
	// Addr is host:port, stable across Stop and Start.
	Addr string

	t    testing.TB
	bin  string
	dir  string
	args []string // added to the command line (StartRedisWith)

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
	log    *bytes.Buffer
}

// StartRedis starts redis-server (failing the test when it is not
// installed: see Need) on a free 127.0.0.1 port, waits until it answers PING, and
// kills it when the test ends.
func StartRedis(t testing.TB) *Redis {
	t.Helper()
	return StartRedisWith(t)
}

// StartRedisWith is StartRedis with more redis-server arguments (e.g.
// "--replicaof", "127.0.0.1", "6379" or "--cluster-enabled", "yes").
func StartRedisWith(t testing.TB, args ...string) *Redis {
	t.Helper()
	bin := Need(t, "redis-server", "redis-server")
	r := &Redis{t: t, bin: bin, dir: t.TempDir(), args: args}
	t.Cleanup(r.Stop)
	// The port is free when chosen but another process may take it before
	// redis-server binds it: then try another.
	var err error
	for range 5 {
		r.Addr = freePort(t)
		if err = r.start(); err == nil {
			return r
		}
	}
	t.Fatal(err)
	return nil
}

func freePort(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Start brings the server back on its address after Stop; it does nothing
// while the server runs.
func (r *Redis) Start() {
	r.t.Helper()
	var err error
	// After a kill the port may stay busy for a moment.
	if !poll(5*time.Second, func() bool { err = r.start(); return err == nil }) {
		r.t.Fatal(err)
	}
}

func (r *Redis) start() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd != nil {
		return nil
	}
	_, port, _ := net.SplitHostPort(r.Addr)
	args := append([]string{"--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", r.dir, "--daemonize", "no"}, r.args...)
	cmd := exec.Command(r.bin, args...)
	log := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	if err := waitPing(r.Addr, exited, log); err != nil {
		cmd.Process.Kill()
		<-exited
		return fmt.Errorf("redis-server: %v", err)
	}
	r.cmd, r.exited, r.log = cmd, exited, log
	return nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// Stop kills the server with SIGKILL, as a crash would; its data is gone.
// Its port refuses connections until Start.
func (r *Redis) Stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd == nil {
		return
	}
	r.cmd.Process.Kill() // SIGKILL ends a SIGSTOPped server too
	<-r.exited
	r.cmd = nil
}

// Restart kills the server and starts it again, empty, on the same port.
func (r *Redis) Restart() {
	r.t.Helper()
	r.Stop()
	r.Start()
}

// Signal sends sig to the server; SIGSTOP makes a Redis that accepts
// connections but answers nothing, until SIGCONT.
func (r *Redis) Signal(sig os.Signal) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd != nil {
		r.cmd.Process.Signal(sig)
	}
}

// ping reports whether a Redis answers PING on addr.
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
