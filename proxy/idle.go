package proxy

import (
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"

	"balancer/internal/handover"
)

// Idle keep-alive connections. While a connection waits for its next
// request, fasthttp keeps what served the last one: the goroutine, whose
// stack the request path grew to 8 KiB, a read buffer of
// limits.maxheaderbytes, a write buffer and a request context, about
// 22 KiB a connection. fasthttp's ReduceMemoryUsage gives some of it back
// at the price of more system calls and pool round trips on every
// request, and keeps the read buffer anyway when bodies stream, as ours
// do, and the goroutine always.
//
// Instead, a plain HTTP/1.1 connection idle for limits.idlerelease is
// parked: the wait for its next request ends as if the client had closed,
// so fasthttp gives its buffers, context and goroutine back, but the
// socket stays open, watched with every other parked connection by one
// epoll set (idle_linux.go). Once the client sends again, or closes, the
// connection is handed to the server as if just accepted. A busy
// connection pays two atomic stores a request (the ConnState hook) and
// nothing else; a parked one costs its socket and about 1.5 KiB.
// TLS connections are not parked: a tls.Conn keeps buffers of its own,
// and may hold a decrypted request that no socket event announces.

// Parking states of a connection. Only the sweep moves a connection from
// waiting to parking; the serving goroutine makes every other move.
const (
	connBusy    int32 = iota // serving a request (or its first one)
	connWaiting              // waiting for the next request
	connParking              // the sweep cut the wait short
	connParked               // the wait ended; Close parks the socket
	connClosed               // closed or parked: this lifetime is over
)

// sweepsPerGrace is how many times a grace period the sweep looks for
// connections to park: a connection is parked after between
// limits.idlerelease and 1.25 times it.
const sweepsPerGrace = 4

// maxSweep bounds the interval between sweeps, so that a change of
// limits.idlerelease takes effect soon and parked connections expire on
// time.
const maxSweep = 250 * time.Millisecond

// workerIdle is how long fasthttp keeps a goroutine that served a
// connection for the next one (its default is 10s): parked connections
// free their goroutines this long after they park.
const workerIdle = 2 * time.Second

// Memory given back to the system. Go returns freed memory to the system
// slowly, and frees it only when it next collects, which a balancer that
// parks connections and allocates nothing may not do for minutes. Once
// releaseAfter connections have parked (about 5 MiB held), the memory
// they held is collected and returned once their goroutines are gone
// (releaseDelay later), at most once every releaseEvery: two collections,
// the first of which moves the buffers out of fasthttp's pools.
const (
	releaseAfter = 256
	releaseDelay = 2*workerIdle + time.Second
	releaseEvery = 10 * time.Second
)

// aLongTimeAgo is a read deadline that ends a wait at once.
var aLongTimeAgo = time.Unix(1, 0)

// idleConns parks the idle plain connections of one Proxy.
type idleConns struct {
	// grace is limits.idlerelease (ns); 0 never parks.
	grace atomic.Int64
	// maxConns is limits.maxconns: parked connections count against it.
	maxConns atomic.Int64
	// epoch counts sweeps; a waiting connection records the epoch its
	// wait began in.
	epoch atomic.Uint32
	// parked counts the parked connections; sinceRelease those parked
	// since memory was last given back.
	parked       atomic.Int64
	sinceRelease atomic.Int64
	// releaseAt is when memory is given back next (zero: not due);
	// lastRelease when it last was. The sweeping goroutine owns both.
	releaseAt, lastRelease time.Time

	mu     sync.Mutex
	live   []*parkConn // connections served, for the sweep
	closed bool

	start sync.Once
	// woken hands the connections whose clients sent again to the
	// servers, as a listener.
	woken *handover.Queue
	// waiter watches the parked sockets; nil where parking is not
	// available.
	waiter *parkWaiter
	// serve serves woken until the servers shut down.
	serve func(net.Listener)
	// current is the server that serves new connections, for the
	// maxconns check.
	current func() *fasthttp.Server
}

// setLimits takes the limits that concern idle connections.
func (ic *idleConns) setLimits(grace time.Duration, maxConns int) {
	ic.grace.Store(int64(grace))
	ic.maxConns.Store(int64(maxConns))
}

// listener wraps ln so that its plain connections can be parked. The
// first call starts the watch; without one (other systems), ln is
// returned as it is.
func (ic *idleConns) listener(ln net.Listener) net.Listener {
	ic.start.Do(func() {
		w, err := newParkWaiter()
		if err != nil {
			return
		}
		ic.waiter = w
		ic.woken = handover.NewQueue()
		w.start(ic)
		// The servers close woken when they shut down; the watch
		// ends with them.
		go func() {
			ic.serve(ic.woken)
			ic.shutdown()
		}()
	})
	if ic.waiter == nil {
		return ln
	}
	return parkListener{Listener: ln, ic: ic}
}

// shutdown closes the parked connections and stops the watch.
func (ic *idleConns) shutdown() {
	// Orders this after the start, if any; none can follow.
	ic.start.Do(func() {})
	ic.mu.Lock()
	ic.closed = true
	ic.mu.Unlock()
	if ic.waiter != nil {
		ic.woken.Close()
		ic.waiter.shutdown()
	}
}

// connState follows fasthttp's view of each connection: idle once its
// response is out, active once the next request's first byte is in.
func (ic *idleConns) connState(c net.Conn, s fasthttp.ConnState) {
	if s != fasthttp.StateIdle && s != fasthttp.StateActive {
		return
	}
	lc, ok := c.(*lingerConn)
	if !ok {
		return
	}
	pc, ok := lc.Conn.(*parkConn)
	if !ok {
		return
	}
	if s == fasthttp.StateIdle {
		// Only a busy connection starts waiting: fasthttp's Shutdown
		// may have closed this one (closeIdleConns) between marking it
		// idle and calling this hook, and a closed serving stays
		// closed, or its second Close would untrack it twice.
		pc.since.Store(ic.epoch.Load())
		pc.state.CompareAndSwap(connBusy, connWaiting)
		return
	}
	if pc.state.Load() != connBusy {
		pc.activate()
	}
}

// sweepInterval is the time between sweeps for a grace period.
func sweepInterval(grace time.Duration) time.Duration {
	if grace <= 0 {
		return maxSweep
	}
	return min(max(grace/sweepsPerGrace, time.Millisecond), maxSweep)
}

// sweep starts parking the connections that have waited a grace period;
// it returns the interval to the next sweep.
func (ic *idleConns) sweep(batch []*parkConn) ([]*parkConn, time.Duration) {
	grace := time.Duration(ic.grace.Load())
	if grace <= 0 {
		return batch, maxSweep
	}
	every := sweepInterval(grace)
	// A wait recorded in epoch s began after sweep s; by sweep s+need
	// it has lasted (need-1)*every at least.
	need := uint32((grace+every-1)/every) + 1
	e := ic.epoch.Add(1)
	batch = batch[:0]
	ic.mu.Lock()
	for _, c := range ic.live {
		if c.state.Load() == connWaiting && e-c.since.Load() >= need {
			batch = append(batch, c)
		}
	}
	ic.mu.Unlock()
	for i, c := range batch {
		c.startParking()
		batch[i] = nil
	}
	return batch, every
}

// track makes tc a served connection.
func (ic *idleConns) track(tc *net.TCPConn) *parkConn {
	c := &parkConn{TCPConn: tc, ic: ic}
	ic.mu.Lock()
	c.idx = len(ic.live)
	ic.live = append(ic.live, c)
	ic.mu.Unlock()
	return c
}

// untrack forgets c.
func (ic *idleConns) untrack(c *parkConn) {
	ic.mu.Lock()
	last := ic.live[len(ic.live)-1]
	ic.live[c.idx] = last
	last.idx = c.idx
	ic.live[len(ic.live)-1] = nil
	ic.live = ic.live[:len(ic.live)-1]
	ic.mu.Unlock()
}

// park hands the socket of c, whose serving has ended, to the waiter;
// expiry is when its idle timeout ends (zero: never).
func (ic *idleConns) park(c *parkConn) {
	ic.untrack(c)
	ic.mu.Lock()
	closed := ic.closed
	ic.mu.Unlock()
	if closed || !ic.waiter.add(c.TCPConn, c.rdl) {
		_ = c.TCPConn.Close()
		return
	}
	ic.parked.Add(1)
	ic.sinceRelease.Add(1)
}

// release gives the memory of parked connections back to the system
// when due (the sweeping goroutine calls it after each sweep).
func (ic *idleConns) release(now time.Time) {
	switch {
	case ic.releaseAt.IsZero():
		if ic.sinceRelease.Load() >= releaseAfter {
			ic.releaseAt = now.Add(releaseDelay)
			if next := ic.lastRelease.Add(releaseEvery); next.After(ic.releaseAt) {
				ic.releaseAt = next
			}
		}
	case !now.Before(ic.releaseAt):
		ic.sinceRelease.Store(0)
		ic.releaseAt, ic.lastRelease = time.Time{}, now
		runtime.GC()
		debug.FreeOSMemory()
	}
}

// wake hands a parked socket whose client sent again (or closed) to the
// servers.
func (ic *idleConns) wake(tc *net.TCPConn) {
	ic.parked.Add(-1)
	c := ic.track(tc)
	if !ic.woken.Put(c) {
		_ = c.Close()
	}
}

// expired closes a parked socket whose idle timeout ended.
func (ic *idleConns) expired(tc *net.TCPConn) {
	ic.parked.Add(-1)
	_ = tc.Close()
}

// full reports whether parked connections and those the server serves
// reach limits.maxconns; only then is a new connection refused here
// (fasthttp refuses beyond maxconns served ones itself).
func (ic *idleConns) full() bool {
	parked := ic.parked.Load()
	if parked == 0 {
		return false
	}
	limit := ic.maxConns.Load()
	if limit <= 0 {
		return false
	}
	s := ic.current()
	return s != nil && parked+int64(s.GetOpenConnectionsCount()) >= limit
}

// refusal is fasthttp's answer to a connection beyond Server.Concurrency.
var refusal = func() string {
	const msg = "The connection cannot be served because Server.Concurrency limit exceeded"
	return "HTTP/1.1 503 Service Unavailable\r\nServer: balancer\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: " +
		strconv.Itoa(len(msg)) + "\r\n\r\n" + msg
}()

// parkListener accepts connections that can be parked: the plain TCP
// ones.
type parkListener struct {
	net.Listener
	ic *idleConns
}

func (l parkListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		// The HTTP/1.1 connections of a listener that takes h2c come
		// with the bytes read to tell the protocol.
		var pre []byte
		if pc, ok := c.(*prefixConn); ok {
			if tc, ok := pc.Conn.(*net.TCPConn); ok {
				c, pre = tc, pc.pre
			}
		}
		tc, ok := c.(*net.TCPConn)
		if !ok {
			return c, nil
		}
		if l.ic.full() {
			_ = tc.SetWriteDeadline(time.Now().Add(time.Second))
			_, _ = io.WriteString(tc, refusal)
			_ = tc.Close()
			continue
		}
		pc := l.ic.track(tc)
		pc.pre = pre
		return pc, nil
	}
}

// parkConn is one serving of a plain client connection: from its accept,
// or its wake, to its close or its parking.
type parkConn struct {
	*net.TCPConn
	ic    *idleConns
	state atomic.Int32
	// since is the sweep epoch the wait for the next request began in.
	since atomic.Uint32
	// rdl is the read deadline the server asked for: the end of the
	// idle timeout while waiting. Only the serving goroutine uses it.
	rdl time.Time
	// mu orders the sweep's deadline against the serving goroutine's
	// when a wait is cut short and a request arrives at once.
	mu  sync.Mutex
	idx int // in ic.live, under ic.mu
	// pre is what the h2c listener read to tell the protocol, replayed
	// first (h2split.go).
	pre []byte
}

// Read reads from the connection; a wait the sweep cut short ends as the
// end of the stream.
func (c *parkConn) Read(b []byte) (int, error) {
	if n, ok := replay(&c.pre, b); ok {
		return n, nil
	}
	n, err := c.TCPConn.Read(b)
	if err != nil && n == 0 && c.state.Load() == connParking && errors.Is(err, os.ErrDeadlineExceeded) &&
		c.state.CompareAndSwap(connParking, connParked) {
		return 0, io.EOF
	}
	return n, err
}

// SetReadDeadline sets the read deadline, unless the sweep is cutting
// the wait short.
func (c *parkConn) SetReadDeadline(t time.Time) error {
	c.rdl = t
	err := c.TCPConn.SetReadDeadline(t)
	c.keepCut()
	return err
}

// SetDeadline sets both deadlines, unless the sweep is cutting the wait
// short (then only the write deadline).
func (c *parkConn) SetDeadline(t time.Time) error {
	c.rdl = t
	err := c.TCPConn.SetDeadline(t)
	c.keepCut()
	return err
}

// keepCut puts the sweep's deadline back if a deadline set by the server
// may have replaced it.
func (c *parkConn) keepCut() {
	if c.state.Load() != connParking {
		return
	}
	c.mu.Lock()
	if c.state.Load() == connParking {
		_ = c.TCPConn.SetReadDeadline(aLongTimeAgo)
	}
	c.mu.Unlock()
}

// startParking cuts the wait for the next request short (the sweep).
func (c *parkConn) startParking() {
	c.mu.Lock()
	if c.state.CompareAndSwap(connWaiting, connParking) {
		_ = c.TCPConn.SetReadDeadline(aLongTimeAgo)
	}
	c.mu.Unlock()
}

// activate marks the connection busy: a request has begun. If the sweep
// was cutting the wait short, the request won: the server's deadline
// comes back.
func (c *parkConn) activate() {
	if c.state.CompareAndSwap(connWaiting, connBusy) {
		return
	}
	c.mu.Lock()
	if c.state.CompareAndSwap(connParking, connBusy) {
		_ = c.TCPConn.SetReadDeadline(c.rdl)
	}
	c.mu.Unlock()
}

// Close closes the connection, or parks its socket when the wait for the
// next request was cut short. Only the first call of a serving counts.
func (c *parkConn) Close() error {
	switch c.state.Swap(connClosed) {
	case connClosed:
		return nil
	case connParked:
		c.ic.park(c)
		return nil
	}
	c.ic.untrack(c)
	return c.TCPConn.Close()
}
