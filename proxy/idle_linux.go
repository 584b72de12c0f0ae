package proxy

import (
	"errors"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
)

// parkWaiter watches parked sockets with one epoll set of its own (Go's
// poller offers no wait without a goroutine per socket). The set's own
// descriptor is waited on through Go's poller, so no thread blocks in a
// system call. A parked socket is registered for one event
// (EPOLLONESHOT): input, the client's close or an error, each of which
// hands it back to the server. A second goroutine sweeps.
type parkWaiter struct {
	epfd int
	// ep is epfd in Go's poller; closing it ends the wait.
	ep    *os.File
	mu    sync.Mutex
	slots []parked // the epoll event's data is the index
	free  []int32
	// closed is set at shutdown; stop ends the sweep.
	closed bool
	stop   chan struct{}
	once   sync.Once
	done   sync.WaitGroup
}

// parked is a parked socket and the end of its idle timeout.
type parked struct {
	c      *net.TCPConn
	expiry time.Time
}

func newParkWaiter() (*parkWaiter, error) {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	if err := syscall.SetNonblock(epfd, true); err != nil {
		syscall.Close(epfd)
		return nil, err
	}
	return &parkWaiter{epfd: epfd, ep: os.NewFile(uintptr(epfd), "parked connections"), stop: make(chan struct{})}, nil
}

// add watches c until its client sends, closes, or expiry passes (zero:
// no expiry); false when it cannot (then c is the caller's to close).
func (w *parkWaiter) add(c *net.TCPConn, expiry time.Time) bool {
	rc, err := c.SyscallConn()
	if err != nil {
		return false
	}
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return false
	}
	var i int32
	if n := len(w.free); n > 0 {
		i = w.free[n-1]
		w.free = w.free[:n-1]
	} else {
		i = int32(len(w.slots))
		w.slots = append(w.slots, parked{})
	}
	w.slots[i] = parked{c: c, expiry: expiry}
	w.mu.Unlock()
	var cerr error
	err = rc.Control(func(fd uintptr) {
		ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT, Fd: i}
		cerr = syscall.EpollCtl(w.epfd, syscall.EPOLL_CTL_ADD, int(fd), &ev)
	})
	if err != nil || cerr != nil {
		w.take(i)
		return false
	}
	return true
}

// take removes slot i and returns its socket (nil if empty).
func (w *parkWaiter) take(i int32) *net.TCPConn {
	w.mu.Lock()
	defer w.mu.Unlock()
	if i < 0 || int(i) >= len(w.slots) || w.slots[i].c == nil {
		return nil
	}
	c := w.slots[i].c
	w.slots[i] = parked{}
	w.free = append(w.free, i)
	return c
}

// forget removes c from the epoll set (its one event disabled it).
func (w *parkWaiter) forget(c *net.TCPConn) {
	if rc, err := c.SyscallConn(); err == nil {
		_ = rc.Control(func(fd uintptr) {
			_ = syscall.EpollCtl(w.epfd, syscall.EPOLL_CTL_DEL, int(fd), nil)
		})
	}
}

// start serves ic: one goroutine waits for the parked sockets' events,
// one sweeps; both end at shutdown.
func (w *parkWaiter) start(ic *idleConns) {
	w.done.Add(2)
	go w.sweep(ic)
	go w.run(ic)
}

// run hands each parked socket with an event to the servers.
func (w *parkWaiter) run(ic *idleConns) {
	defer w.done.Done()
	rc, err := w.ep.SyscallConn()
	if err != nil {
		return
	}
	events := make([]syscall.EpollEvent, 128)
	for {
		var n int
		err := rc.Read(func(fd uintptr) bool {
			var err error
			n, err = syscall.EpollWait(int(fd), events, 0)
			if err != nil {
				n = 0
				return !errors.Is(err, syscall.EINTR) && !errors.Is(err, syscall.EAGAIN)
			}
			return n > 0 // none: wait for the set to become readable
		})
		if err != nil {
			return // closed at shutdown
		}
		for _, ev := range events[:n] {
			if c := w.take(ev.Fd); c != nil {
				w.forget(c)
				ic.wake(c)
			}
		}
	}
}

// sweep parks the connections that waited long enough, closes the
// parked ones whose idle timeout ended and gives memory back, every
// sweep interval, until shutdown.
func (w *parkWaiter) sweep(ic *idleConns) {
	defer w.done.Done()
	var batch []*parkConn
	t := time.NewTimer(sweepInterval(time.Duration(ic.grace.Load())))
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			w.closeAll(ic)
			return
		case now := <-t.C:
			var every time.Duration
			batch, every = ic.sweep(batch)
			w.expire(ic, now)
			ic.release(now)
			t.Reset(every)
		}
	}
}

// expire closes the parked sockets whose idle timeout has ended.
func (w *parkWaiter) expire(ic *idleConns, now time.Time) {
	var out []*net.TCPConn
	w.mu.Lock()
	for i, p := range w.slots {
		if p.c != nil && !p.expiry.IsZero() && now.After(p.expiry) {
			out = append(out, p.c)
			w.slots[i] = parked{}
			w.free = append(w.free, int32(i))
		}
	}
	w.mu.Unlock()
	for _, c := range out {
		ic.expired(c)
	}
}

// closeAll closes every parked socket.
func (w *parkWaiter) closeAll(ic *idleConns) {
	w.mu.Lock()
	slots := w.slots
	w.slots, w.free = nil, nil
	w.mu.Unlock()
	for _, p := range slots {
		if p.c != nil {
			ic.expired(p.c)
		}
	}
}

// shutdown ends run, closing the parked sockets, and waits for it.
func (w *parkWaiter) shutdown() {
	w.once.Do(func() {
		w.mu.Lock()
		w.closed = true
		w.mu.Unlock()
		close(w.stop)
		_ = w.ep.Close()
	})
	w.done.Wait()
}
