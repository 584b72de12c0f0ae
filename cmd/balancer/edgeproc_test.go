package main

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"balancer/internal/testutil"
)

// edgeProc is a balancer process whose exit is observed: exited is closed
// when it ends, so a test can tell "the request failed" from "the process
// died" (a panic kills every user's service, not one request).
type edgeProc struct {
	cmd    *exec.Cmd
	exited chan struct{}
	mu     sync.Mutex
	stderr bytes.Buffer
}

// Write collects the process's stderr.
func (p *edgeProc) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.Write(b)
}

// Stderr returns what the process wrote to stderr so far.
func (p *edgeProc) Stderr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// Alive reports whether the process is still running.
func (p *edgeProc) Alive() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// startEdgeProc starts the real balancer (this test binary run as the
// command) with config cfg and waits until addr accepts.
func startEdgeProc(t *testing.T, addr, cfg string) *edgeProc {
	t.Helper()
	p := &edgeProc{exited: make(chan struct{})}
	p.cmd = exec.Command(os.Args[0], "-config", cfg, "-log-level", "warn")
	p.cmd.Env = append(os.Environ(), "BALANCER_TEST_MAIN=1")
	p.cmd.Stderr = p
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		if p.Alive() {
			_ = p.cmd.Process.Kill()
		}
		<-p.exited
	})
	listening := false
	testutil.Eventually(t, "balancer listening on "+addr+" or gone", func() bool {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			listening = true
		}
		return listening || !p.Alive()
	}, testutil.Within(20*time.Second))
	if !listening {
		t.Fatalf("balancer exited instead of listening on %s; stderr:\n%s", addr, p.Stderr())
	}
	return p
}
