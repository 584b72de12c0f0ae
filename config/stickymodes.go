package config

// The stickymode names: how a balancer finds a session's member.
const (
	// StickyRoute is httpd's rule: the route is the suffix of the
	// application's session id (JSESSIONID=<id>.node1).
	StickyRoute = "route"
	// StickyInsert is HAProxy's cookie insert: the balancer sets a cookie
	// of its own (stickycookie) naming the member's route.
	StickyInsert = "insert"
	// StickyLearn remembers which member issued each session id, for
	// applications whose ids carry no route.
	StickyLearn = "learn"
)
