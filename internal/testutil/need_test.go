package testutil

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// fatalRecorder is a testing.TB whose Fatalf records the message instead
// of ending the test.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (f *fatalRecorder) Helper() {}
func (f *fatalRecorder) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
}

// TestNeed: a program on PATH is returned; a missing one fails the test
// with a message naming the program, its package and ./test.sh (never a
// silent skip, never an install).
func TestNeed(t *testing.T) {
	if p := Need(t, "sh", "dash"); p == "" {
		t.Fatal("no path for sh")
	}
	f := &fatalRecorder{TB: t}
	if p := Need(f, "balancer-no-such-program", "balancer-no-such-package"); p != "" {
		t.Fatalf("path %q for a missing program", p)
	}
	for _, want := range []string{"balancer-no-such-program", "balancer-no-such-package", "./test.sh"} {
		if !strings.Contains(f.msg, want) {
			t.Errorf("message %q does not name %s", f.msg, want)
		}
	}
}

// TestEventually: a condition that comes true ends the wait; one that
// never does fails the test within the limit given, naming what was
// awaited.
func TestEventually(t *testing.T) {
	n := 0
	Eventually(t, "third call", func() bool { n++; return n == 3 })
	if n != 3 {
		t.Fatalf("cond called %d times, want 3", n)
	}
	f := &fatalRecorder{TB: t}
	Eventually(f, "never", func() bool { return false }, Within(30*time.Millisecond))
	if !strings.Contains(f.msg, "never") || !strings.Contains(f.msg, "30ms") {
		t.Fatalf("failure message %q", f.msg)
	}
}

// TestReceive: a value sent is returned; none fails the test within the
// limit given, naming what was awaited.
func TestReceive(t *testing.T) {
	ch := make(chan int, 1)
	ch <- 7
	if v := Receive(t, ch, "seven"); v != 7 {
		t.Fatalf("received %d, want 7", v)
	}
	f := &fatalRecorder{TB: t}
	Receive(f, ch, "nothing sent", Within(20*time.Millisecond))
	if !strings.Contains(f.msg, "nothing sent") {
		t.Fatalf("failure message %q", f.msg)
	}
}
