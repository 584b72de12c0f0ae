// Package lbmethod holds the load-balancing methods of mod_proxy_balancer
// (byrequests, bytraffic, bybusyness) with httpd's exact arithmetic: given
// the same members, weights and lbsets they make the same sequence of
// choices. A method is a pure choice over a pre-built slice of members; it
// does no I/O and allocates nothing per call. A method asks every
// member for its state on every choice, O(n), as httpd does.
package lbmethod
