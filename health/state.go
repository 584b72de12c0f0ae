package health

import "time"

// Result is the outcome of one check.
type Result struct {
	// At is when the check began.
	At time.Time
	// OK reports whether the check passed.
	OK bool
	// Status is the HTTP status received, 0 for TCP checks and when no
	// response head arrived.
	Status int
	// Err says why the check failed, prefixed with the phase that failed
	// ("connect: ...", "read response: timed out after 2s", "unexpected
	// status 503"); empty when OK.
	Err string
	// Duration is how long the check took.
	Duration time.Duration
}

// Status is a target's health as the checker sees it.
type Status struct {
	// Healthy is false from the Fails-th consecutive failure until the
	// Passes-th consecutive success. Targets start healthy.
	Healthy bool
	// Fails counts the consecutive failures of a healthy target so far; at
	// Spec.Fails it turns failed and the count restarts.
	Fails int
	// Passes counts the consecutive successes of a failed target so far;
	// at Spec.Passes it turns healthy and the count restarts.
	Passes int
	// Checks counts the results taken into account since the target was
	// added.
	Checks int64
	// Changed is when Healthy last changed; zero if it never did.
	Changed time.Time
	// Last is the latest result; zero before the first check.
	Last Result
}

// rise is the rise/fall counter of one target. Unlike mod_proxy_hcheck,
// whose fcount/pcount survive an opposite result (so hcfails=3 trips on
// any three failures), the counts here are consecutive: an opposite
// result resets them, as with HAProxy's rise/fall and Caddy's passes/fails
// (caddy #6152).
type rise struct {
	failed        bool
	fails, passes int
}

// observe applies one result and reports whether the target flipped.
func (r *rise) observe(ok bool, fails, passes int) bool {
	switch {
	case !r.failed && ok:
		r.fails = 0
	case !r.failed:
		r.fails++
		if r.fails >= fails {
			r.failed, r.fails, r.passes = true, 0, 0
			return true
		}
	case ok:
		r.passes++
		if r.passes >= passes {
			r.failed, r.fails, r.passes = false, 0, 0
			return true
		}
	default:
		r.passes = 0
	}
	return false
}
