package proxy

import (
	"net"
	"sync"
	"syscall"
	"time"
)

// parkWaiter watches parked sockets with one epoll set of its own (Go's
// poller offers no wait without a goroutine per socket): one goroutine,
// which also runs the sweep, for all of them. A parked socket is
// registered for one event (EPOLLONESHOT): input, the client's close or
// an error, each of which hands it back to the server.
type parkWaiter struct {
	epfd int
	// wakeR and wakeW are a pipe whose input ends the wait at shutdown.
	wakeR, wakeW int
	mu           sync.Mutex
	slots        []parked // the epoll event's data is the index
	free         []int32
	closed       bool
	once         sync.Once
	done         chan struct{}
}

// parked is a parked socket and the end of its idle timeout.
type parked struct {
	c      *net.TCPConn
	expiry time.Time
}

// wakeSlot marks the pipe's event.
const wakeSlot = -1

func newParkWaiter() (*parkWaiter, error) {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC|syscall.O_NONBLOCK); err != nil {
		syscall.Close(epfd)
		return nil, err
	}
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: wakeSlot}
	if err := syscall.EpollCtl(epfd, syscall.EPOLL_CTL_ADD, p[0], &ev); err != nil {
		syscall.Close(epfd)
		syscall.Close(p[0])
		syscall.Close(p[1])
		return nil, err
	}
	return &parkWaiter{epfd: epfd, wakeR: p[0], wakeW: p[1], done: make(chan struct{})}, nil
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

// run waits for the parked sockets' events and sweeps ic between them,
// until shutdown.
func (w *parkWaiter) run(ic *idleConns) {
	defer close(w.done)
	events := make([]syscall.EpollEvent, 128)
	var batch []*parkConn
	next := time.Now().Add(sweepInterval(time.Duration(ic.grace.Load())))
	for {
		ms := int(time.Until(next)/time.Millisecond) + 1
		n, err := syscall.EpollWait(w.epfd, events, ms)
		if err != nil {
			n = 0
		}
		w.mu.Lock()
		closed := w.closed
		w.mu.Unlock()
		if closed {
			w.closeAll(ic)
			return
		}
		for _, ev := range events[:n] {
			if c := w.take(ev.Fd); c != nil {
				w.forget(c)
				ic.wake(c)
			}
		}
		if now := time.Now(); !now.Before(next) {
			var every time.Duration
			batch, every = ic.sweep(batch)
			w.expire(ic, now)
			ic.release(now)
			next = now.Add(every)
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

// closeAll closes every parked socket and the epoll set.
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
	syscall.Close(w.epfd)
	syscall.Close(w.wakeR)
	syscall.Close(w.wakeW)
}

// shutdown stops run, which closes the parked sockets, and waits for it.
func (w *parkWaiter) shutdown() {
	w.once.Do(func() {
		w.mu.Lock()
		w.closed = true
		w.mu.Unlock()
		_, _ = syscall.Write(w.wakeW, []byte{0})
	})
	<-w.done
}
