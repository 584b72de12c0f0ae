package main

import (
	"errors"
	"net"
	"os"
	"syscall"
)

// pair is a client socket and its member's, with the bytes of the
// exchange under way: a request until it is whole and written to the
// member, then the answer until it is whole and written to the client.
type pair struct {
	client, member int
	buf            []byte
	n              int
}

// serveEpoll relays in one goroutine: one level-triggered epoll set
// holds the listener and every socket, each event's data naming its
// socket.
func (r *relay) serveEpoll(addr string) error {
	ta, err := net.ResolveTCPAddr("tcp", addr)
	if err != nil {
		return err
	}
	lfd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	if err := syscall.SetsockoptInt(lfd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1); err != nil {
		return err
	}
	sa := &syscall.SockaddrInet4{Port: ta.Port}
	copy(sa.Addr[:], ta.IP.To4())
	if err := syscall.Bind(lfd, sa); err != nil {
		return err
	}
	if err := syscall.Listen(lfd, 1024); err != nil {
		return err
	}
	ep, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return err
	}
	if err := watch(ep, lfd); err != nil {
		return err
	}
	if err := syscall.SetNonblock(ep, true); err != nil {
		return err
	}
	// The set is waited on through Go's own poller: a wait in a
	// blocking system call would have the runtime hand the thread's P
	// over and wake its monitor every 20 µs while it lasts.
	rc, err := os.NewFile(uintptr(ep), "epoll").SyscallConn()
	if err != nil {
		return err
	}
	pairs := map[int]*pair{} // by either of its sockets
	events := make([]syscall.EpollEvent, 256)
	for {
		var n int
		var werr error
		err := rc.Read(func(fd uintptr) bool {
			n, werr = syscall.EpollWait(int(fd), events, 0)
			return n > 0 || (werr != nil && !errors.Is(werr, syscall.EINTR))
		})
		if err == nil {
			err = werr
		}
		if err != nil {
			return err
		}
		for _, ev := range events[:n] {
			fd := int(ev.Fd)
			if fd == lfd {
				r.accept(ep, lfd, pairs)
				continue
			}
			p := pairs[fd]
			if p == nil {
				continue // closed by an earlier event of this round
			}
			if !p.step(fd) {
				delete(pairs, p.client)
				delete(pairs, p.member)
				syscall.Close(p.client)
				syscall.Close(p.member)
			}
		}
	}
}

func watch(ep, fd int) error {
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP, Fd: int32(fd)}
	return syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, fd, &ev)
}

// accept takes every pending client and connects each to its member.
func (r *relay) accept(ep, lfd int, pairs map[int]*pair) {
	for {
		c, _, err := syscall.Accept4(lfd, syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC)
		if err != nil {
			return
		}
		m, err := dial(r.member())
		if err != nil {
			syscall.Close(c)
			continue
		}
		_ = syscall.SetsockoptInt(c, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1)
		p := &pair{client: c, member: m, buf: make([]byte, bufSize)}
		if watch(ep, c) != nil || watch(ep, m) != nil {
			syscall.Close(c)
			syscall.Close(m)
			continue
		}
		pairs[c], pairs[m] = p, p
	}
}

// dial connects to addr (blocking: once per client) and returns the
// socket non-blocking.
func dial(addr string) (int, error) {
	ta, err := net.ResolveTCPAddr("tcp", addr)
	if err != nil {
		return -1, err
	}
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	sa := &syscall.SockaddrInet4{Port: ta.Port}
	copy(sa.Addr[:], ta.IP.To4())
	if err := syscall.Connect(fd, sa); err != nil {
		syscall.Close(fd)
		return -1, err
	}
	_ = syscall.SetsockoptInt(fd, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1)
	if err := syscall.SetNonblock(fd, true); err != nil {
		syscall.Close(fd)
		return -1, err
	}
	return fd, nil
}

// step reads what fd has and, once a request or an answer is whole,
// writes it on; false when the pair is done (end of stream, an error, a
// message larger than the buffer, or bytes from the side whose turn it
// is not).
func (p *pair) step(fd int) bool {
	k, err := syscall.Read(fd, p.buf[p.n:])
	if errors.Is(err, syscall.EAGAIN) {
		return true
	}
	if err != nil || k == 0 {
		return false
	}
	p.n += k
	var to, whole int
	if fd == p.client {
		to, whole = p.member, headEnd(p.buf[:p.n])
	} else {
		to, whole = p.client, answerLen(p.buf[:p.n])
	}
	if whole < 0 {
		return p.n < len(p.buf)
	}
	if whole != p.n {
		return false // pipelined or a stray byte: beyond this relay
	}
	if !writeAll(to, p.buf[:p.n]) {
		return false
	}
	p.n = 0
	return true
}

// writeAll writes b to the non-blocking fd, waiting (rarely: the
// messages are small) while its send buffer is full.
func writeAll(fd int, b []byte) bool {
	for len(b) > 0 {
		k, err := syscall.Write(fd, b)
		if errors.Is(err, syscall.EAGAIN) {
			if fd >= 1024 {
				return false // beyond select's set
			}
			var fds syscall.FdSet
			fds.Bits[fd/64] |= 1 << (uint(fd) % 64)
			if _, err := syscall.Select(fd+1, nil, &fds, nil, nil); err != nil && !errors.Is(err, syscall.EINTR) {
				return false
			}
			continue
		}
		if err != nil {
			return false
		}
		b = b[k:]
	}
	return true
}
