package convert

import (
	"time"

	"balancer/config"
)

// balancer is one balancer of the result, from a <Proxy balancer://…>
// block, a BalancerMember or ProxySet naming it, or a ProxyPass to a single
// URL (implicit).
type balancer struct {
	at       pos
	key      string // httpd's name, lower-cased (httpd matches names case-insensitively)
	httpd    string // "balancer://name" as first written, or the ProxyPass URL
	cfg      config.Balancer
	members  []*member
	implicit bool
	defined  bool // has a <Proxy> block or a BalancerMember (not only named)
	routes   []*route
	notes    []string // comment lines written above the balancer
}

// member is one BalancerMember.
type member struct {
	at  pos
	raw string // the URL as written
	cfg config.Member
	hc  hcParams
}

// hcParams are a member's mod_proxy_hcheck parameters.
type hcParams struct {
	method   string // upper-case; "" when not set
	uri      string
	expr     string // the name given to hcexpr
	interval time.Duration
	passes   int
	fails    int
}

// route is one ProxyPass (or RewriteRule [P]) line.
type route struct {
	at      pos
	path    string
	bal     *balancer
	sub     string // path after balancer://name, "" for none
	reverse bool
	vhost   *vhost
}

// vhost is a <VirtualHost> block, or the main server for directives
// outside any.
type vhost struct {
	at       pos
	ports    []string // "" means any port
	names    []string
	ssl      bool
	cert     string
	key      string
	certAt   pos
	redirect bool // answers everything with a redirect to https
	routes   int
}

// listen is one Listen directive.
type listen struct {
	at    pos
	addr  string
	port  string
	https bool
}

// location is a <Location> block's manager-related content.
type location struct {
	at       pos
	path     string
	handler  string
	handAt   pos
	access   []directive // Require, Allow and friends, in order
	userFile string
}

// directive is a line kept for later judgement.
type directive struct {
	at   pos
	name string
	args []string
}

// workerSet is a ProxySet (or a <Proxy URL> block's ProxySet) for a member
// URL, applied once every member is known.
type workerSet struct {
	at     pos
	url    string
	params []string
}

// reverseRule is a ProxyPassReverse line, matched to routes at the end.
type reverseRule struct {
	at   pos
	path string
	url  string
}

// exclusion is a "ProxyPass /path !" line.
type exclusion struct {
	at   pos
	path string
}

// recipe is httpd's route cookie recipe:
// Header add Set-Cookie "ROUTEID=.%{BALANCER_WORKER_ROUTE}e; path=/" env=BALANCER_ROUTE_CHANGED
type recipe struct {
	at     pos
	cookie string
	sep    string
}
