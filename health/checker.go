// Package health runs active health checks of balancer members in the
// model of httpd's mod_proxy_hcheck (methods GET, HEAD, OPTIONS and TCP, a
// URI appended to the member URL, interval, passes, fails, expected
// statuses), with consecutive pass/fail counts and edge-triggered
// transitions. It reports through the Reporter interface it declares, so
// it knows nothing of the proxy that consumes it.
package health

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// Reporter receives health transitions. Targets start healthy, so the
// first call for a key, if any, says healthy=false; after that the values
// alternate: SetHealthy is called once per transition, never twice in a
// row with the same value. Calls for one key are serialised and arrive in
// order; calls for different keys may be concurrent. SetHealthy must
// return promptly (a slow Reporter delays that target's next check only)
// and must not call the Checker's Stop or Update.
type Reporter interface {
	// SetHealthy records that the target key turned healthy or failed;
	// last is the result that decided it.
	SetHealthy(key string, healthy bool, last Result)
}

// Recorder is an optional capability of a Reporter, probed when the
// Checker is made: a Reporter that is also a Recorder receives, through
// RecordCheck, every counted result that did not cause a transition, so a
// status page can show the latest check. Calls follow Reporter's rules.
type Recorder interface {
	// RecordCheck records the latest result of target key.
	RecordCheck(key string, last Result)
}

// Option configures a Checker.
type Option func(*Checker)

// WithTLSConfig sets the TLS client configuration for https members (the
// ServerName defaults to the member's host). Without it, certificates are
// verified against the system roots.
func WithTLSConfig(c *tls.Config) Option { return func(ch *Checker) { ch.tlsConf = c } }

// WithLogger sets where a recovered panic of a check loop is logged
// (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(ch *Checker) { ch.log = l } }

// Checker checks a set of targets, each in its own goroutine on its own
// interval, so a hung member never delays the checks of the others. Its
// methods are safe for concurrent use. Make one with New.
type Checker struct {
	rep     Reporter
	rec     Recorder // rep as a Recorder, or nil
	log     *slog.Logger
	tlsConf *tls.Config
	dialer  net.Dialer

	// update serialises Update calls, so the healthy report of a removed
	// target cannot overtake the reports of a later target with its key.
	update sync.Mutex
	// mu guards targets, base, cancel and stopped; never held while a
	// check runs or the Reporter is called.
	mu      sync.RWMutex
	targets map[string]*target
	base    context.Context // parent of the loops; nil until Start
	cancel  context.CancelFunc
	stopped bool
	loops   sync.WaitGroup
}

// target is the runtime state of one checked member.
type target struct {
	key  string
	plan atomic.Pointer[plan] // swapped whole by Update
	stop context.CancelFunc   // ends the loop; guarded by Checker.mu

	// mu serialises the accounting and reporting of results, so the
	// Reporter sees one key's transitions in order.
	mu      sync.Mutex
	rise    rise // guarded by mu
	removed bool // guarded by mu: results arriving later are dropped
	status  atomic.Pointer[Status]
}

// New returns a Checker with no targets that reports to rep. Give it
// targets with Update and start its loops with Start.
func New(rep Reporter, opts ...Option) *Checker {
	c := &Checker{rep: rep, targets: map[string]*target{}, log: slog.Default()}
	c.rec, _ = rep.(Recorder)
	for _, o := range opts {
		o(c)
	}
	return c
}

// Update replaces the set of targets, all or nothing: if any target is
// invalid or two share a key, it returns an error and changes nothing.
// A target whose key remains keeps its state and consecutive counts and
// takes its new URL and Spec from its next check on (a new interval from
// the next tick). New keys start healthy. A removed target's loop ends,
// and if it was failed the Reporter is told it is healthy, since nothing
// will ever check it again.
func (c *Checker) Update(targets []Target) error {
	plans := make(map[string]*plan, len(targets))
	for _, t := range targets {
		if _, dup := plans[t.Key]; dup {
			return fmt.Errorf("health: duplicate target key %q", t.Key)
		}
		p, err := compile(t, c.tlsConf)
		if err != nil {
			return fmt.Errorf("health: target %q: %w", t.Key, err)
		}
		plans[t.Key] = p
	}

	c.update.Lock()
	defer c.update.Unlock()
	var gone []*target
	c.mu.Lock()
	for key, t := range c.targets {
		if plans[key] == nil {
			if t.stop != nil {
				t.stop()
			}
			delete(c.targets, key)
			gone = append(gone, t)
		}
	}
	for key, p := range plans {
		t := c.targets[key]
		if t == nil {
			t = &target{key: key}
			t.status.Store(&Status{Healthy: true})
			c.targets[key] = t
			t.plan.Store(p)
			c.launch(t)
			continue
		}
		t.plan.Store(p)
	}
	c.mu.Unlock()

	for _, t := range gone {
		c.release(t)
	}
	return nil
}

// release marks t removed and, if it was failed, reports it healthy.
func (c *Checker) release(t *target) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.removed = true
	if t.rise.failed {
		c.rep.SetHealthy(t.key, true, t.status.Load().Last)
	}
}

// Start launches one loop per target, and for targets added later by
// Update. The loops run until ctx is done or Stop is called. Calls after
// the first, and calls after Stop, do nothing.
func (c *Checker) Start(ctx context.Context) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.base != nil || c.stopped {
		return
	}
	c.base, c.cancel = context.WithCancel(ctx)
	for _, t := range c.targets {
		c.launch(t)
	}
}

// Stop ends every loop, closing the connections of checks in flight, and
// returns once all of the Checker's goroutines have exited. Results of
// interrupted checks are not counted. It is idempotent; Update still
// works afterwards but starts nothing.
func (c *Checker) Stop() {
	c.mu.Lock()
	c.stopped = true
	if c.cancel != nil {
		c.cancel()
	}
	c.mu.Unlock()
	c.loops.Wait()
}

// launch starts t's loop if the Checker is running. c.mu must be held.
func (c *Checker) launch(t *target) {
	if c.base == nil || c.stopped {
		return
	}
	ctx, cancel := context.WithCancel(c.base)
	t.stop = cancel
	c.loops.Add(1)
	go c.loop(ctx, t)
}

// loop checks t every interval until ctx is done. The first check comes
// after a random part of the interval so that members added together, and
// balancer replicas started together, do not check in step.
func (c *Checker) loop(ctx context.Context, t *target) {
	defer c.loops.Done()
	interval := t.plan.Load().spec.Interval
	first := time.NewTimer(rand.N(interval))
	defer first.Stop()
	select {
	case <-ctx.Done():
		return
	case <-first.C:
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		c.round(ctx, t)
		if iv := t.plan.Load().spec.Interval; iv != interval {
			interval = iv
			tick.Reset(iv)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// round runs and accounts one scheduled check; a panic (in the Expect
// function or the Reporter, say) is logged and the loop goes on.
func (c *Checker) round(ctx context.Context, t *target) {
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("health check panicked", "target", t.key, "panic", r, "stack", string(debug.Stack()))
		}
	}()
	res := c.run(ctx, t.plan.Load())
	if ctx.Err() != nil {
		return // interrupted by Stop or removal: says nothing about the member
	}
	c.account(t, res)
}

// account applies res to t's counts, publishes its status and reports.
func (c *Checker) account(t *target, res Result) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.removed {
		return
	}
	spec := t.plan.Load().spec
	flipped := t.rise.observe(res.OK, spec.Fails, spec.Passes)
	prev := t.status.Load()
	st := &Status{
		Healthy: !t.rise.failed,
		Fails:   t.rise.fails,
		Passes:  t.rise.passes,
		Checks:  prev.Checks + 1,
		Changed: prev.Changed,
		Last:    res,
	}
	if flipped {
		st.Changed = res.At.Add(res.Duration)
	}
	t.status.Store(st)
	switch {
	case flipped:
		c.rep.SetHealthy(t.key, st.Healthy, res)
	case c.rec != nil:
		c.rec.RecordCheck(t.key, res)
	}
}

// CheckOnce checks the target key now and counts the result exactly like
// a scheduled check (the manager's "check now"; tests step rounds with
// it). It reports false if key is not a target. A result cut short by ctx
// is returned but not counted.
func (c *Checker) CheckOnce(ctx context.Context, key string) (Result, bool) {
	c.mu.RLock()
	t := c.targets[key]
	c.mu.RUnlock()
	if t == nil {
		return Result{}, false
	}
	res := c.run(ctx, t.plan.Load())
	if ctx.Err() == nil {
		c.account(t, res)
	}
	return res, true
}

// Status returns the health of target key, and false if key is not a
// target.
func (c *Checker) Status(key string) (Status, bool) {
	c.mu.RLock()
	t := c.targets[key]
	c.mu.RUnlock()
	if t == nil {
		return Status{}, false
	}
	return *t.status.Load(), true
}
