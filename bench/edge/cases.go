package main

import (
	"bytes"
	"fmt"
	"strings"
	"time"
)

// A case is one raw request (or a warm-up and one request) whose outcome
// is described by what the client got and what the members received.
type edgeCase struct {
	id    string
	group string
	name  string
	// node is the member the session cookie names: node1 reads all,
	// node2 dies mid-body, node3 closes idle connections.
	node string
	// warm sends GET <prefix>/warm to node first, so the front end holds
	// an idle pooled connection that the member then closes.
	warm bool
	// request returns the raw request for the case's path prefix.
	request func(prefix, cookie string) []byte
	// trickle sends the head, then the body in four writes, each this far
	// apart from the one before.
	trickle time.Duration
	// tunnel: the request asks for a protocol switch; no follow-up
	// request is sent on its connection.
	tunnel bool
	// look describes what the members received; nil: which member got
	// the body whole or cut.
	look func(seen []seenReq) string
}

const (
	kib = 1 << 10
	mib = 1 << 20
)

// smuggled is a body of n bytes made of requests for prefix/smuggled: if
// any of it is ever read as a request, a member records it.
func smuggled(prefix string, n int) string {
	unit := "GET " + prefix + "/smuggled HTTP/1.1\r\nHost: edge\r\n\r\n"
	return strings.Repeat(unit, n/len(unit)+1)[:n]
}

func withBody(method, path, cookie string, n int, chunked bool) []byte {
	body := smuggled(strings.TrimSuffix(path, "/x"), n)
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: edge\r\nCookie: %s\r\n", method, path, cookie)
	if !chunked {
		fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", n, body)
		return b.Bytes()
	}
	b.WriteString("Transfer-Encoding: chunked\r\n\r\n")
	for rest := body; len(rest) > 0; {
		k := min(len(rest), 8000)
		fmt.Fprintf(&b, "%x\r\n%s\r\n", k, rest[:k])
		rest = rest[k:]
	}
	b.WriteString("0\r\n\r\n")
	return b.Bytes()
}

func body(method string, n int, chunked bool) func(prefix, cookie string) []byte {
	return func(prefix, cookie string) []byte { return withBody(method, prefix+"/x", cookie, n, chunked) }
}

func raw(format string) func(prefix, cookie string) []byte {
	return func(prefix, cookie string) []byte {
		return []byte(strings.NewReplacer("{p}", prefix, "{c}", cookie).Replace(format))
	}
}

var cases = []edgeCase{
	// A body carrying requests, with the framing or the front end's own
	// limits making the front end refuse it (or not).
	{id: "s1", group: "smuggling", name: "POST, 9 KiB body made of requests", node: "node1", request: body("POST", 9*kib, false)},
	{id: "s2", group: "smuggling", name: "two differing Content-Length", node: "node1",
		request: func(prefix, cookie string) []byte {
			inner := "GET " + prefix + "/smuggled HTTP/1.1\r\nHost: edge\r\n\r\n"
			return fmt.Appendf(nil, "POST %s/x HTTP/1.1\r\nHost: edge\r\nCookie: %s\r\nContent-Length: 0\r\nContent-Length: %d\r\n\r\n%s", prefix, cookie, len(inner), inner)
		}},
	{id: "s3", group: "smuggling", name: "Content-Length and chunked (CL.TE)", node: "node1",
		request: func(prefix, cookie string) []byte {
			inner := "0\r\n\r\nGET " + prefix + "/smuggled HTTP/1.1\r\nHost: edge\r\n\r\n"
			return fmt.Appendf(nil, "POST %s/x HTTP/1.1\r\nHost: edge\r\nCookie: %s\r\nContent-Length: %d\r\nTransfer-Encoding: chunked\r\n\r\n%s", prefix, cookie, len(inner), inner)
		}},
	{id: "s4", group: "smuggling", name: "chunked, broken chunk after 9 KiB", node: "node1",
		request: func(prefix, cookie string) []byte {
			b := withBody("POST", prefix+"/x", cookie, 9*kib, true)
			b = bytes.TrimSuffix(b, []byte("0\r\n\r\n"))
			return append(b, "zz\r\nGET "+prefix+"/smuggled HTTP/1.1\r\nHost: edge\r\n\r\n"...)
		}},
	{id: "s5", group: "smuggling", name: "2 MiB Content-Length body (over a 1 MiB limit)", node: "node1", request: body("POST", 2*mib, false)},
	{id: "s6", group: "smuggling", name: "2 MiB chunked body (over a 1 MiB limit)", node: "node1", request: body("POST", 2*mib, true)},
	{id: "s7", group: "smuggling", name: "encoded dot-segment, 9 KiB body", node: "node1",
		request: func(prefix, cookie string) []byte {
			return withBody("POST", prefix+"/..%2fadmin", cookie, 9*kib, false)
		}},
	{id: "s8", group: "smuggling", name: "unknown method BREW, 9 KiB body", node: "node1", request: body("BREW", 9*kib, false)},

	{id: "f1", group: "forwarded", name: "X-Forwarded-For twice", node: "node1", look: headers("X-Forwarded-For"),
		request: raw("GET {p}/x HTTP/1.1\r\nHost: edge\r\nCookie: {c}\r\nX-Forwarded-For: 1.1.1.1\r\nX-Forwarded-For: 2.2.2.2\r\n\r\n")},
	{id: "f2", group: "forwarded", name: "X-Forwarded-Host and -Proto twice", node: "node1", look: headers("X-Forwarded-Host", "X-Forwarded-Proto"),
		request: raw("GET {p}/x HTTP/1.1\r\nHost: edge\r\nCookie: {c}\r\nX-Forwarded-Host: evil\r\nX-Forwarded-Host: evil2\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Proto: https\r\n\r\n")},
	{id: "f3", group: "forwarded", name: "X-Forwarded-For named in Connection", node: "node1", look: headers("X-Forwarded-For"),
		request: raw("GET {p}/x HTTP/1.1\r\nHost: edge\r\nCookie: {c}\r\nConnection: X-Forwarded-For\r\nX-Forwarded-For: 9.9.9.9\r\n\r\n")},
	{id: "h1", group: "host", name: "HTTP/1.0 without Host", node: "node1", look: host,
		request: raw("GET {p}/x HTTP/1.0\r\nCookie: {c}\r\n\r\n")},

	{id: "p1", group: "path", name: "/shop/..%2fadmin", node: "node1", look: uri, request: raw("GET {p}/shop/..%2fadmin HTTP/1.1\r\nHost: edge\r\nCookie: {c}\r\n\r\n")},
	{id: "p2", group: "path", name: "/shop/%2e%2e/x", node: "node1", look: uri, request: raw("GET {p}/shop/%2e%2e/x HTTP/1.1\r\nHost: edge\r\nCookie: {c}\r\n\r\n")},
	{id: "p3", group: "path", name: "/shop/a%2fb", node: "node1", look: uri, request: raw("GET {p}/shop/a%2fb HTTP/1.1\r\nHost: edge\r\nCookie: {c}\r\n\r\n")},
	{id: "p4", group: "path", name: "/%73hop/x", node: "node1", look: uri, request: raw("GET {p}/%73hop/x HTTP/1.1\r\nHost: edge\r\nCookie: {c}\r\n\r\n")},
	{id: "u1", group: "upgrade", name: "Upgrade: h2c", node: "node1", look: headers("Upgrade", "HTTP2-Settings"),
		request: raw("GET {p}/x HTTP/1.1\r\nHost: edge\r\nCookie: {c}\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n")},

	{id: "u2", group: "upgrade", name: "Upgrade: websocket", node: "node1", look: headers("Upgrade"), tunnel: true,
		request: raw("GET {p}/x HTTP/1.1\r\nHost: edge\r\nCookie: {c}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")},

	{id: "b1", group: "body", name: "POST 1 KiB, member reads all", node: "node1", request: body("POST", kib, false)},
	{id: "b2", group: "body", name: "POST 64 KiB chunked, member reads all", node: "node1", request: body("POST", 64*kib, true)},
	{id: "b3", group: "body", name: "POST 64 KiB trickled over 12 s", node: "node1", request: body("POST", 64*kib, false), trickle: 3 * time.Second},
	{id: "b4", group: "body", name: "PUT 1 KiB, member dies mid-body", node: "node2", request: body("PUT", kib, false)},
	{id: "b5", group: "body", name: "POST 1 KiB, member dies mid-body", node: "node2", request: body("POST", kib, false)},
	{id: "b6", group: "body", name: "PUT 64 KiB, member dies mid-body", node: "node2", request: body("PUT", 64*kib, false)},
	{id: "b7", group: "body", name: "POST 1 KiB after the member closed an idle connection", node: "node3", warm: true, request: body("POST", kib, false)},
	{id: "b8", group: "body", name: "PUT 64 KiB chunked after the member closed an idle connection", node: "node3", warm: true, request: body("PUT", 64*kib, true)},
}
