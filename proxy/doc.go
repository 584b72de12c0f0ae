// Package proxy is the balancer's runtime: the fasthttp server, the route
// table, one connection pool per member, and the per-request path
//
//	route table → affinity → member choice → forward (retry elsewhere when
//	the member could not be reached) → response rewrite and counters.
//
// The configuration is an immutable Snapshot swapped atomically on reload
// or manager edit; each member's counters and error state live in a
// memberState carried over by identity (balancer name + member URL), so a
// swap never resets them and in-flight requests finish on the snapshot they
// started with.
//
// The files follow one request, in the order it crosses them:
//
//	proxy.go      the Proxy, its options and servers (headerReceived)
//	h2split.go    a listener's connections sorted: HTTP/2 (ALPN h2, or h2c's preface) or HTTP/1.1
//	h2server.go   Go's net/http HTTP/2 server, one per limits, serving the HTTP/2 connections
//	h2handler.go  an HTTP/2 request written as its HTTP/1.1 head into a RequestCtx, its answer written back
//	h2stream.go   the stream as the request's connection: body deadlines, a reset cancelling the exchange
//	handler.go    the entry: handle, serve, recoverPanic
//	expect.go     Expect: 100-continue settled, and refusals made before any 100
//	request.go    the pooled per-request scratch space
//	validate.go   the request head refused or let through
//	route.go      the target checked and normalised, the route matched
//	edge.go       client-side settings: body limit, trusted proxies
//	body.go       the client's body: kept for a retry (bufferBody), finished (finishBody)
//	maxforwards.go Max-Forwards on OPTIONS and TRACE
//	pick.go       the member for the first attempt and for retries
//	sticky.go     stickiness: the stickymode bound once, the route's member, tables kept after the answer
//	wait.go       the balancer timeout: waiting for a usable member
//	headers.go    hop-by-hop headers, X-Forwarded-*, the route-changed header
//	exchange.go   forward: attempts with retries, respond
//	attempt.go    one attempt addressed to its member (shared with tunnel.go); failures and their status
//	queue.go      a member's slots (max, maxqueue)
//	client.go     one exchange over a member's pooled connection
//	outbound.go   the request as written to the member
//	framing.go    checks of a response's framing
//	connops.go    fasthttp's unexported connection type, by inference
//	peek.go       a pooled connection the member closed, seen without reading
//	tunnel.go     upgrade requests (WebSocket) joined to the member
//	reverse.go    Location and cookie paths rewritten back (reverse)
//	refuse.go     answers of the balancer itself
//	linger.go     lingering close of a connection with unread input
//	histogram.go  per-member counters by status class and duration
//	outcome.go    the Record observers see
//
// The state behind the requests: snapshot.go (building a Snapshot),
// balancer.go and member.go (its parts), state.go (the registry of state
// that outlives snapshots), memberstate.go (error state, counters),
// pool.go (connection pools), limits.go (limit changes), health.go
// (active check results), sync.go (tables shared between replicas),
// flags.go, metrics.go and view.go (what the manager and /metrics read).
package proxy
