package testutil

import (
	"syscall"
	"testing"
)

// TestRedisStopStart: the server answers, refuses connections after Stop,
// and answers again on the same address after Start.
func TestRedisStopStart(t *testing.T) {
	r := StartRedis(t)
	addr := r.Addr
	if !ping(addr) {
		t.Fatal("no PONG after StartRedis")
	}
	r.Stop()
	if ping(addr) {
		t.Fatal("PONG after Stop")
	}
	r.Start()
	if r.Addr != addr || !ping(addr) {
		t.Fatalf("after Start: addr %s (was %s), answering %v", r.Addr, addr, ping(addr))
	}
	r.Signal(syscall.SIGSTOP)
	if ping(addr) {
		t.Fatal("PONG from a stopped process")
	}
	r.Restart() // kills the stopped process
	if !ping(addr) {
		t.Fatal("no PONG after Restart")
	}
}
