// Package lbmethod holds the load-balancing methods of mod_proxy_balancer
// (byrequests, bytraffic, bybusyness) with httpd's exact arithmetic: given
// the same members, weights and lbsets they make the same sequence of
// choices. A method is a pure choice over a pre-built slice of members; it
// does no I/O and allocates nothing per call.
//
// ByRequests, ByTraffic and ByBusyness ask every member for its state on
// every choice and every sticky hit, O(n), as httpd does. On a Shared made
// by Reported, NewShared returns their indexed counterparts instead,
// which read a member only when its owner reports a change
// (Shared.Changed), when a Timed member said it would change, or, for
// bybusyness, when its count of requests in flight changed (InFlight
// tells the index itself). They keep lbstatus as base + factor × clock
// and file each pool's eligible members in heaps: per factor by lbstatus
// (byrequests), per factor and requests in flight by lbstatus
// (bybusyness), per factor by traffic as last read, which only grows
// (bytraffic). A choice visits each heap's leader, O(heaps + log n), and
// a sticky hit is O(log n) for all three. The proxy reports; the
// differential tests hold each pair to the same sequence.
package lbmethod
