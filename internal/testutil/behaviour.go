package testutil

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Behaviour is a ready-made Script for a RawMember: what it does with a
// request that has a body. Every Behaviour answers a WebSocket upgrade
// with 101 and then echoes what it receives.
type Behaviour int

const (
	// ReadsAll reads the whole body, then answers 200 with the body's
	// sha256 in X-Body-Sha256, keeping the connection alive.
	ReadsAll Behaviour = iota
	// AnswersEarly answers 403 with Connection: close as soon as the head
	// is read, then reads (and records) the body and closes.
	AnswersEarly
	// DiesMidBody reads DieAfter bytes of the body and closes the
	// connection with the rest unread (the kernel sends a reset).
	DiesMidBody
	// ClosesIdle answers a request for a path ending in /warm with a
	// keep-alive 200 and then closes that connection, as a member whose
	// keep-alive timeout ran out does; other requests it reads all.
	ClosesIdle
)

// DieAfter is how many body bytes a DiesMidBody member reads.
const DieAfter = 512

func (b Behaviour) String() string {
	return [...]string{"reads-all", "answers-early", "dies-mid-body", "closes-idle"}[b]
}

// Script is the script that behaves as b.
func (b Behaviour) Script() Script {
	return func(c *ScriptConn) {
		for {
			r, start, err := c.Head()
			if err != nil {
				return
			}
			if strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
				// Switch and echo: enough to tell a tunnel from a refusal.
				c.Body(r, start, -1)
				c.Write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
				echo(c)
				return
			}
			hasBody := r.ContentLength != 0
			switch {
			case b == AnswersEarly && hasBody:
				c.Write("HTTP/1.1 403 Forbidden\r\nContent-Length: 5\r\nConnection: close\r\n\r\nearly")
				c.Body(r, start, -1)
				return
			case b == DiesMidBody && hasBody:
				if got := c.Body(r, start, DieAfter); got.Len == DieAfter && !got.Complete {
					c.Reset()
				}
				return
			}
			got := c.Body(r, start, -1)
			if !got.Complete {
				return
			}
			c.Write(fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX-Body-Sha256: %s\r\nX-Body-Len: %d\r\n\r\nok\n", got.Sha256, got.Len))
			if b == ClosesIdle && strings.HasSuffix(r.URL.Path, "/warm") {
				// The keep-alive timeout ran out: close without a word.
				c.c.Close()
				signal(c.m.IdleClosed, struct{}{})
				return
			}
			if r.Close {
				return
			}
		}
	}
}

// echo copies what the connection receives back to it until either side
// closes.
func echo(c *ScriptConn) {
	_ = c.c.SetReadDeadline(time.Time{})
	_, _ = io.Copy(c.c, c.br)
}
