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
// (Shared.Changed) or when a Timed member said it would change, and keep
// lbstatus as base + factor × clock in one heap per distinct factor: a
// sticky hit is O(log n) for all three, a byrequests choice O(g + log n)
// (g distinct factors); a bytraffic or bybusyness choice still visits
// every candidate's counters, but nothing else. The proxy reports; the
// differential tests hold each pair to the same sequence.
package lbmethod
