package testutil

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"syscall"
	"time"
)

// RawResult is what a client over raw TCP saw of one exchange.
type RawResult struct {
	// Status is the first response's status, 0 when none could be read.
	Status int
	Header http.Header
	Body   []byte
	// CloseAnnounced reports a "Connection: close" in the response (Go's
	// reader takes it out of Header).
	CloseAnnounced bool
	// Closed reports that the front end closed the connection after its
	// answer: a follow-up request on it got end-of-file or a reset.
	Closed bool
	// FollowStatus is the follow-up request's status when the connection
	// stayed open.
	FollowStatus int
	// Err is why no response could be read.
	Err error
}

// RawExchange dials addr and writes parts, pausing gap between them (a
// slow client), while reading one response. Once the writes are over it
// sends followUp on the same connection (when not empty) to learn whether
// the connection is still usable: a response means open, end-of-file or
// a reset means closed. Write errors are ignored (a front end may refuse
// a request and close before the client is done sending).
func RawExchange(addr string, parts [][]byte, gap time.Duration, followUp string) RawResult {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return RawResult{Err: err}
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10*time.Second + gap*time.Duration(len(parts))))
	written := make(chan struct{})
	go func() {
		defer close(written)
		for i, p := range parts {
			if i > 0 && gap > 0 {
				time.Sleep(gap)
			}
			if _, err := c.Write(p); err != nil {
				return
			}
		}
	}()
	br := bufio.NewReader(c)
	var res RawResult
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		<-written
		res.Err = err
		res.Closed = isClosed(err)
		return res
	}
	res.Status, res.Header, res.CloseAnnounced = resp.StatusCode, resp.Header, resp.Close
	res.Body, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	<-written
	if err != nil {
		res.Closed = isClosed(err)
		return res
	}
	if followUp == "" {
		return res
	}
	if _, err := io.WriteString(c, followUp); err != nil {
		res.Closed = true
		return res
	}
	resp, err = http.ReadResponse(br, nil)
	if err != nil {
		res.Closed = isClosed(err)
		if !res.Closed {
			res.Err = err
		}
		return res
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	res.FollowStatus = resp.StatusCode
	return res
}

// isClosed tells a connection closed by the peer (end-of-file, reset)
// from a timeout or a malformed answer.
func isClosed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}
