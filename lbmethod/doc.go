// Package lbmethod holds the load-balancing methods of mod_proxy_balancer
// (byrequests, bytraffic, bybusyness) with httpd's exact arithmetic: given
// the same members, weights and lbsets they make the same sequence of
// choices. A method is a pure choice over a pre-built slice of members; it
// does no I/O and allocates nothing per call.
//
// bytraffic and bybusyness ask every member for its state on every
// choice, O(n), as httpd does. byrequests does too (ByRequests), unless
// its Shared state was made by Reported: then it is IndexedByRequests,
// O(g + log n) per choice and per sticky hit (g distinct factors), which
// reads a member only when its owner reports a change (Shared.Changed) or
// when a Timed member said it would change. The proxy reports; the
// differential tests hold the two to the same sequence.
package lbmethod
