package proxy

import (
	"bufio"
	"bytes"
	"errors"

	"github.com/valyala/fasthttp"
)

// Checks of a member response's framing, made before fasthttp parses it
// or while its body is read.

// readHeader reads the final response head, skipping 1xx interim
// responses other than 101.
func readHeader(resp *fasthttp.Response, br *bufio.Reader) error {
	for n := 0; n < 100; n++ {
		if err := headProblem(br); err != nil {
			return err
		}
		if err := resp.Header.Read(br); err != nil {
			return err
		}
		c := resp.StatusCode()
		if c < 100 || c > 199 || c == fasthttp.StatusSwitchingProtocols {
			return nil
		}
	}
	return errTooManyInterim
}

var (
	errTooManyInterim   = errors.New("too many interim responses")
	errAmbiguousFraming = errors.New("response with both Content-Length and Transfer-Encoding")
	errUnaskedSwitch    = errors.New("101 Switching Protocols to a request that asked no upgrade")
	errBareLF           = errors.New("response head with a line not ended by CRLF")
)

func noBody(code int) bool {
	return code < 200 || code == fasthttp.StatusNoContent || code == fasthttp.StatusNotModified
}

// skipTrailer reads trailer lines up to the empty line ending the message.
func skipTrailer(br *bufio.Reader) bool {
	for i := 0; i < 100; i++ {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return false
		}
		if len(line) <= 2 && (string(line) == "\r\n" || string(line) == "\n") {
			return true
		}
	}
	return false
}

// headProblem looks at the next response head before fasthttp parses it
// (fasthttp keeps no raw copy of a response head) and reports what the
// balancer refuses in it: both Content-Length and Transfer-Encoding
// (errAmbiguousFraming: the framing is ambiguous, RFC 9112 §6.3, and
// fasthttp silently prefers Transfer-Encoding; refuse the response and
// its connection rather than guess), else a line ended by LF alone
// (errBareLF: fasthttp does not find the end of such a head and waits for
// more until the member's timeout; the request side refuses bare LF too).
// It peeks until the head is complete or the read buffer is full, and
// reads nothing.
func headProblem(br *bufio.Reader) error {
	if _, err := br.Peek(1); err != nil {
		return nil // readHeader's read reports it
	}
	for {
		b, _ := br.Peek(br.Buffered())
		if end := headEnd(b); end >= 0 {
			return inspectHead(b[:end])
		}
		if br.Buffered() >= br.Size() {
			return nil // too large: fasthttp refuses it
		}
		if _, err := br.Peek(br.Buffered() + 1); err != nil {
			return nil
		}
	}
}

// headEnd returns the length of the head in b (through its empty line),
// or -1 when b does not hold a whole head.
func headEnd(b []byte) int {
	for i := 0; i < len(b); i++ {
		if b[i] != '\n' {
			continue
		}
		if i+1 < len(b) && b[i+1] == '\n' {
			return i + 2
		}
		if i+2 < len(b) && b[i+1] == '\r' && b[i+2] == '\n' {
			return i + 3
		}
	}
	return -1
}

// inspectHead is headProblem's verdict on a whole head, in one pass over
// its lines.
func inspectHead(head []byte) error {
	var cl, te, bare bool
	for len(head) > 0 {
		i := bytes.IndexByte(head, '\n')
		if i < 0 {
			break
		}
		line := head[:i]
		head = head[i+1:]
		bare = bare || i == 0 || line[i-1] != '\r'
		cl = cl || hasFieldName(line, "content-length")
		te = te || hasFieldName(line, "transfer-encoding")
	}
	switch {
	case cl && te:
		return errAmbiguousFraming
	case bare:
		return errBareLF
	}
	return nil
}

// hasFieldName reports whether a header line starts with name and a colon
// (case-insensitively, whitespace before the colon tolerated).
func hasFieldName(line []byte, name string) bool {
	if len(line) <= len(name) || !bytes.EqualFold(line[:len(name)], []byte(name)) {
		return false
	}
	rest := bytes.TrimLeft(line[len(name):], " \t")
	return len(rest) > 0 && rest[0] == ':'
}
