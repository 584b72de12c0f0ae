package testutil

import (
	"testing"
	"time"
)

// Option changes how Eventually waits.
type Option func(*waitOptions)

type waitOptions struct {
	limit time.Duration
}

// Within makes Eventually wait up to limit instead of 5s, for events that
// take longer by nature (a Sentinel failover, a cluster's slots spreading,
// a JVM starting).
func Within(limit time.Duration) Option {
	return func(o *waitOptions) { o.limit = limit }
}

// Eventually polls cond every 10ms for up to 5s (or the limit of Within)
// and fails the test with what when it never holds. It is the one way the
// project's tests wait for something that happens on another goroutine or
// in another process.
func Eventually(t testing.TB, what string, cond func() bool, opts ...Option) {
	t.Helper()
	o := waitOptions{limit: 5 * time.Second}
	for _, f := range opts {
		f(&o)
	}
	if !poll(o.limit, cond) {
		t.Fatalf("not reached in %v: %s", o.limit, what)
	}
}

// poll calls cond every 10ms until it holds, and reports whether it did
// before limit passed. Helpers that return an error instead of failing the
// test (a server start that may be retried on another port) wait with it.
func poll(limit time.Duration, cond func() bool) bool {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		<-tick.C
	}
	return true
}

// Receive waits up to 5s (or the limit of Within) for a value on ch and
// returns it; it fails the test with what when none comes, so that a test
// waiting on an event fails instead of hanging until go test's timeout.
func Receive[T any](t testing.TB, ch <-chan T, what string, opts ...Option) T {
	t.Helper()
	o := waitOptions{limit: 5 * time.Second}
	for _, f := range opts {
		f(&o)
	}
	timer := time.NewTimer(o.limit)
	defer timer.Stop()
	select {
	case v := <-ch:
		return v
	case <-timer.C:
		t.Fatalf("not received in %v: %s", o.limit, what)
		var zero T
		return zero
	}
}
