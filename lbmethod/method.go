package lbmethod

import (
	"fmt"
	"sync"
)

// Method chooses a member for a request that has no usable sticky member.
// One Method value serves one balancer; it is safe for concurrent use.
type Method interface {
	// Name is the configured name, e.g. "byrequests".
	Name() string
	// Choose returns the index in ms of the chosen member, or -1 when no
	// member is eligible (httpd's ap_proxy_balancer_get_best_worker).
	Choose(ms []Member) int
	// Stick records a sticky hit on ms[i]: every usable member's lbstatus
	// grows by its factor and ms[i]'s shrinks by their sum, as httpd does
	// for every method, so sticky traffic counts in later choices.
	Stick(ms []Member, i int)
	// Reset zeroes lbstatus (httpd's reset()).
	Reset(ms []Member)
	// LBStatus reads ms[i]'s lbstatus under the method's lock.
	LBStatus(ms []Member, i int) int64
}

// New returns the method called name, with a lock of its own.
func New(name string) (Method, error) { return NewShared(name, nil) }

// NewShared returns the method called name, locking mu while it updates
// lbstatus (its own lock when mu is nil). Methods that share mu may serve
// the same members at once: a balancer whose lbmethod is edited while
// requests still run on the old one keeps lbstatus under one lock.
func NewShared(name string, mu *sync.Mutex) (Method, error) {
	switch name {
	case "", "byrequests":
		m := &ByRequests{}
		m.shared = mu
		return m, nil
	case "bytraffic":
		m := &ByTraffic{}
		m.shared = mu
		return m, nil
	case "bybusyness":
		m := &ByBusyness{}
		m.shared = mu
		return m, nil
	}
	return nil, fmt.Errorf("unknown lbmethod %q (want one of %v)", name, Names())
}

// Names lists the methods New knows.
func Names() []string { return []string{"byrequests", "bytraffic", "bybusyness"} }
