package lbmethod

import "fmt"

// Method chooses a member for a request that has no usable sticky member.
// One Method value serves one balancer; it is safe for concurrent use.
type Method interface {
	// Name is the configured name, e.g. "byrequests".
	Name() string
	// Choose returns the index in ms of the chosen member, or -1 when no
	// member is eligible (httpd's ap_proxy_balancer_get_best_worker).
	Choose(ms []Member) int
	// ChooseExcept is Choose with the members whose Sched is in except
	// left out, as if they were not eligible: a request's retry does not
	// go back to a member it tried.
	ChooseExcept(ms []Member, except []*Sched) int
	// Stick records a sticky hit on ms[i]: every usable member's lbstatus
	// grows by its factor and ms[i]'s shrinks by their sum, as httpd does
	// for every method, so sticky traffic counts in later choices.
	Stick(ms []Member, i int)
	// Reset zeroes lbstatus (httpd's reset()).
	Reset(ms []Member)
	// LBStatus reads ms[i]'s lbstatus under the method's lock.
	LBStatus(ms []Member, i int) int64
}

// New returns the method called name, with state of its own.
func New(name string) (Method, error) { return NewShared(name, nil) }

// NewShared returns the method called name, bound to sh (state of its own
// when sh is nil). Methods that share sh may serve the same members at
// once: a balancer whose lbmethod is edited while requests still run on
// the old one keeps lbstatus under one lock. byrequests is
// IndexedByRequests when sh was made by Reported, ByRequests otherwise,
// and so for bytraffic and bybusyness.
func NewShared(name string, sh *Shared) (Method, error) {
	if sh == nil {
		sh = &Shared{}
	}
	l := lockedState{sh: sh}
	switch name {
	case "", "byrequests":
		if sh.indexed {
			return &IndexedByRequests{indexState{l}}, nil
		}
		return &ByRequests{weighted{lockedState: l}}, nil
	case "bytraffic":
		if sh.indexed {
			return &IndexedByTraffic{indexState{l}}, nil
		}
		return &ByTraffic{lockedState: l}, nil
	case "bybusyness":
		if sh.indexed {
			return &IndexedByBusyness{indexState{l}}, nil
		}
		return &ByBusyness{weighted{lockedState: l}}, nil
	}
	return nil, fmt.Errorf("unknown lbmethod %q (want one of %v)", name, Names())
}

// Names lists the methods New knows.
func Names() []string { return []string{"byrequests", "bytraffic", "bybusyness"} }
