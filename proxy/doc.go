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
package proxy
