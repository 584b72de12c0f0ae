// Package config holds the balancer's YAML schema, its defaults, strict
// loading with errors that name file, line and field, and the write-back of
// manager edits into the file with its comments kept.
//
// A *Config returned by Load is read-only: callers never write to it or
// shallow-copy it; a reload loads a new one.
//
// Defaults apply to keys the file leaves out or sets to null (~); each is
// given in the field's comment. Where a field's comment gives 0 a
// meaning, an explicit 0 is kept. A list of plain values also accepts one
// value on its own ("status: drain" is "status: [drain]"), and anchors,
// aliases and "<<" merge keys work as in any YAML file.
package config

// Config is one configuration file.
type Config struct {
	// Listen is the public listener: one address, or a list. Each entry may
	// be a plain "host:port" string or a mapping with TLS settings. Default
	// 127.0.0.1:8080; port 0 picks a free port.
	Listen Listeners `yaml:"listen"`
	// Manager is the balancer-manager listener (page, JSON API, /metrics).
	Manager Manager `yaml:"manager"`
	// Store shares runtime state between balancer replicas.
	Store Store `yaml:"store"`
	// Balancers are the member groups, referenced by name from Routes.
	Balancers []Balancer `yaml:"balancers"`
	// Routes map path prefixes to balancers; the longest prefix wins.
	Routes []Route `yaml:"routes"`
	// AccessLog configures the access log; empty means none.
	AccessLog AccessLog `yaml:"accesslog"`
	// Limits bound what a client may cost the balancer.
	Limits Limits `yaml:"limits"`
	// TrustedProxies lists the addresses (CIDRs or single IPs) of the
	// proxies in front of the balancer whose X-Forwarded-* headers are
	// believed. Empty (the default): every client's X-Forwarded-For is kept
	// and the client address appended, as httpd does. Set: only a peer in
	// the list may pass X-Forwarded-For, -Host and -Proto on; from any
	// other, they are replaced by what the balancer saw.
	TrustedProxies []string `yaml:"trustedproxies"`
	// GraceTime is how long a graceful stop waits for in-flight requests
	// (default 30s).
	GraceTime Duration `yaml:"gracetime"`
	// Watch reloads the file when it changes on disk (SIGHUP always does).
	Watch bool `yaml:"watch"`

	// File is the path the configuration was loaded from ("" when parsed
	// from bytes). It is not a YAML key.
	File string `yaml:"-"`

	// lines maps the paths of the fields the file gives to their lines,
	// for problems found after loading (see Problem).
	lines map[string]int
}

// Listeners is the list of public listeners; YAML accepts a single entry too.
type Listeners []Listener

// Listener is one public listening address.
type Listener struct {
	// Addr is "host:port".
	Addr string `yaml:"addr"`
	// TLS, when set, terminates TLS on this listener.
	TLS *TLS `yaml:"tls"`
	// RedirectHTTPS answers every request on this (plain) listener with a
	// redirect to https on the same host.
	RedirectHTTPS bool `yaml:"redirecthttps"`
	// HTTP2 offers h2 by ALPN on a TLS listener, next to http/1.1
	// (default true; false serves HTTP/1.1 only).
	HTTP2 *bool `yaml:"http2"`
	// H2C makes a plain listener also take cleartext HTTP/2 from clients
	// that open with its preface (prior knowledge), for use behind
	// another load balancer or a service mesh (default false).
	H2C bool `yaml:"h2c"`
	// DeferAccept has the kernel hand over a connection only once the
	// client has sent something (TCP_DEFER_ACCEPT, Linux), waiting up to
	// limits.readheadertimeout: a client that connects and stays silent
	// holds no goroutine, no maxconns slot and costs no read, and the
	// first read of every connection finds its request (HAProxy's
	// defer-accept, nginx's deferred; default false).
	DeferAccept bool `yaml:"deferaccept"`
}

// ServesHTTP2 reports whether the listener takes HTTP/2: by ALPN when it
// has TLS and http2 is not turned off, by prior knowledge when h2c.
func (l Listener) ServesHTTP2() bool {
	if l.TLS != nil {
		return l.HTTP2 == nil || *l.HTTP2
	}
	return l.H2C
}

// TLS names the certificate and key files of a listener; both are
// required.
type TLS struct {
	// Cert is the PEM certificate chain file.
	Cert string `yaml:"cert"`
	// Key is the PEM private key file.
	Key string `yaml:"key"`
}

// Manager configures the balancer-manager listener.
type Manager struct {
	// Listen is "host:port"; default 127.0.0.1:8081 (loopback only).
	Listen string `yaml:"listen"`
	// Path of the page; default /balancer-manager.
	Path string `yaml:"path"`
	// Auth, when set, requires credentials for the page and the API.
	Auth *Auth `yaml:"auth"`
	// Persist writes each edit back into the configuration file.
	Persist bool `yaml:"persist"`
	// ReadOnly refuses every edit (a viewer-only manager).
	ReadOnly bool `yaml:"readonly"`
	// Pprof exposes /debug/pprof/ on the manager listener.
	Pprof bool `yaml:"pprof"`
	// Hosts are the further host names (or IP addresses) under which the
	// manager serves what needs no credentials, besides loopback names and
	// the listen address: the DNS-rebinding defence.
	Hosts []string `yaml:"hosts"`
}

// Auth lists the manager's users.
type Auth struct {
	// Users are the accounts; at least one.
	Users []User `yaml:"users"`
	// Metrics puts /metrics behind the credentials too.
	Metrics bool `yaml:"metrics"`
}

// User is one manager account.
type User struct {
	// Name is the login, unique, without ':'.
	Name string `yaml:"name"`
	// Password is a bcrypt hash ($2a$, $2b$ or $2y$, as htpasswd -B
	// writes), never the password itself.
	Password string `yaml:"password"`
	// ReadOnly users may look but not edit.
	ReadOnly bool `yaml:"readonly"`
}

// Store configures state shared between replicas.
type Store struct {
	// Cluster is the name replicas share state under; default "default".
	Cluster string `yaml:"cluster"`
	// Redis, when set, shares manager edits and sticky tables through Redis.
	Redis *Redis `yaml:"redis"`
}

// Redis holds go-redis UniversalClient options.
type Redis struct {
	// Addr is one "host:port" (standalone).
	Addr string `yaml:"addr"`
	// Addrs lists several addresses (Cluster, or Sentinel with MasterName).
	Addrs []string `yaml:"addrs"`
	// MasterName selects Sentinel mode.
	MasterName string `yaml:"mastername"`
	// Username is the Redis ACL user ("" for the default user).
	Username string `yaml:"username"`
	// Password is the Redis password; it is never logged.
	Password string `yaml:"password"`
	// DB is the database number (default 0; Redis Cluster has only 0).
	DB int `yaml:"db"`
	// TLS connects with TLS.
	TLS bool `yaml:"tls"`
	// KeyPrefix prefixes every key (default "balancer:").
	KeyPrefix string `yaml:"keyprefix"`
	// Budget is the longest the request path waits on Redis (default 5ms).
	Budget Duration `yaml:"budget"`
	// ClusterMode makes a single addr a Redis Cluster's configuration
	// endpoint (two or more addrs without mastername are a Cluster anyway).
	ClusterMode bool `yaml:"clustermode"`
	// WriteRate bounds the sticky table entries written to Redis per
	// second (default 1000); writes beyond it stay local and are counted.
	WriteRate int `yaml:"writerate"`
	// LookupRate bounds the learned-table lookups sent to Redis per second
	// (default 1000); lookups beyond it are local misses and are counted.
	LookupRate int `yaml:"lookuprate"`
}

// Balancer is a group of members behind one lbmethod and one sticky rule.
type Balancer struct {
	// Name is what routes refer to: letters, digits, '.', '_' and '-',
	// unique.
	Name string `yaml:"name"`
	// LBMethod is byrequests (default), bytraffic or bybusyness.
	LBMethod string `yaml:"lbmethod"`
	// StickySession is "COOKIE" or "COOKIE|PARAM" (httpd's syntax).
	StickySession string `yaml:"stickysession"`
	// StickySessionSep separates the id from the route; default "."; "off"
	// makes the whole value the route.
	StickySessionSep string `yaml:"stickysessionsep"`
	// ScolonPathDelim also ends a URL parameter value at ';'.
	ScolonPathDelim bool `yaml:"scolonpathdelim"`
	// StickyMode is route (default: the route suffix of the session id),
	// insert (the balancer sets its own route cookie, StickyCookie) or
	// learn (member Set-Cookie values of the StickySession cookie are
	// remembered per member; needs StickySession).
	StickyMode string `yaml:"stickymode"`
	// StickyCookie names the cookie of insert mode (default ROUTEID); it
	// must differ from the application's session cookie.
	StickyCookie string `yaml:"stickycookie"`
	// NoFailover answers 503 when a sticky request's member is unusable.
	NoFailover bool `yaml:"nofailover"`
	// MaxAttempts is how many other members a failed request may try;
	// absent means the number of members less one (see Attempts), 0 means
	// no failover.
	MaxAttempts *int `yaml:"maxattempts"`
	// Timeout is how long to wait for a usable member when none is
	// (httpd; default 0: answer 503 at once).
	Timeout Duration `yaml:"timeout"`
	// TryTimeout bounds the wait for the first response byte of an
	// idempotent request before it is retried on another member (0 = off).
	TryTimeout Duration `yaml:"trytimeout"`
	// FailOnStatus puts a member in error when it answers one of these.
	FailOnStatus []int `yaml:"failonstatus"`
	// FailOnTimeout puts a member in error when it times out.
	FailOnTimeout bool `yaml:"failontimeout"`
	// ForceRecovery retries members in error when all are (default true;
	// see Recover).
	ForceRecovery *bool `yaml:"forcerecovery"`
	// RetryBuffer is the largest request body kept for a retry (default
	// 1MiB; 0 keeps none, so requests with a body are not retried once
	// sent).
	RetryBuffer Size `yaml:"retrybuffer"`
	// SessionLifetime is how long a moved or learned session is remembered
	// (default 30m).
	SessionLifetime Duration `yaml:"sessionlifetime"`
	// MaxSessions bounds the moved/learned session tables (default 100000).
	MaxSessions int `yaml:"maxsessions"`
	// HealthCheck enables active checks of every member (default: none).
	HealthCheck *HealthCheck `yaml:"healthcheck"`
	// Members are the application servers; at least one.
	Members []Member `yaml:"members"`
}

// HealthCheck is httpd mod_proxy_hcheck's model.
type HealthCheck struct {
	// Method is GET (default), HEAD, OPTIONS or TCP (connect only); it is
	// upper-cased on load.
	Method string `yaml:"method"`
	// URI is requested on the member (default "/"); a path, with no
	// query.
	URI string `yaml:"uri"`
	// Interval between checks (default 5s, at least 100ms).
	Interval Duration `yaml:"interval"`
	// Timeout of one check (default: the smaller of Interval and 5s).
	Timeout Duration `yaml:"timeout"`
	// Passes consecutive successes bring a failed member back (default 1;
	// 0 is an error).
	Passes int `yaml:"passes"`
	// Fails consecutive failures mark a member failed (default 1; 0 is an
	// error).
	Fails int `yaml:"fails"`
	// Expect lists accepted statuses: codes or ranges ("200-399", default).
	Expect StatusRanges `yaml:"expect"`
}

// Member is one application server.
type Member struct {
	// URL is http:// or https:// with a host, and optionally a path that
	// replaces the route's path prefix; no query, fragment or credentials.
	// It is the member's identity within its balancer.
	URL string `yaml:"url"`
	// Route is the suffix of session ids that names this member (token
	// characters, under 64, unique in the balancer). A member without a
	// route gets no sticky requests.
	Route string `yaml:"route"`
	// LoadFactor is the weight, 1-100, decimals allowed (default 1; an
	// explicit 0 is an error).
	LoadFactor float64 `yaml:"loadfactor"`
	// LBSet: members of a lower set are used first (0-99, default 0).
	LBSet int `yaml:"lbset"`
	// Status flags: disabled, stopped, ignore-errors, hot-standby, drain
	// (default none); lower-cased on load.
	Status []string `yaml:"status"`
	// Redirect is the route that takes this member's sticky sessions when
	// it is unusable.
	Redirect string `yaml:"redirect"`
	// Retry is how long a member in error is skipped (default 60s; 0
	// retries it at once; see RetryTime).
	Retry *Duration `yaml:"retry"`
	// ConnectionTimeout bounds the connect (default: Timeout).
	ConnectionTimeout Duration `yaml:"connectiontimeout"`
	// Timeout bounds the whole exchange with the member (default 60s).
	Timeout Duration `yaml:"timeout"`
	// TryTimeout overrides the balancer's TryTimeout for this member.
	TryTimeout Duration `yaml:"trytimeout"`
	// SlowStart ramps the effective loadfactor up over this time after the
	// member recovers (0 = off).
	SlowStart Duration `yaml:"slowstart"`
	// Max concurrent requests to this member (default 0: unlimited).
	Max int `yaml:"max"`
	// MaxQueue requests may wait for a slot when Max is reached (default 0:
	// shed to another member at once); needs Max.
	MaxQueue int `yaml:"maxqueue"`
	// QueueTimeout is the longest wait in that queue (default 1s).
	QueueTimeout Duration `yaml:"queuetimeout"`
}

// Route maps a path prefix to a balancer.
type Route struct {
	// Path is the prefix matched, starting with "/"; unique.
	Path string `yaml:"path"`
	// Balancer names the balancer that serves the prefix.
	Balancer string `yaml:"balancer"`
	// Reverse rewrites Location, Content-Location, URI and cookie paths in
	// responses, as ProxyPassReverse does.
	Reverse bool `yaml:"reverse"`
	// MaxBodySize bounds request bodies on this route (default 0: the
	// global limit).
	MaxBodySize Size `yaml:"maxbodysize"`
}

// AccessLog configures the access log.
type AccessLog struct {
	// Path is a file, "stderr", or "" for no access log.
	Path string `yaml:"path"`
	// Format is combined (default) or json.
	Format string `yaml:"format"`
}

// Limits bound what clients may cost.
type Limits struct {
	// MaxConns is the most concurrent client connections (default 10000).
	MaxConns int `yaml:"maxconns"`
	// ReadHeaderTimeout bounds reading a request's head (default 10s).
	ReadHeaderTimeout Duration `yaml:"readheadertimeout"`
	// IdleTimeout closes idle keep-alive connections (default 60s).
	IdleTimeout Duration `yaml:"idletimeout"`
	// IdleRelease is how long a plain HTTP/1.1 keep-alive connection
	// waits for its next request before it gives back its buffers and
	// goroutine, keeping only its socket until the client sends again
	// (default 1s; 0 keeps them for the whole idle timeout).
	IdleRelease Duration `yaml:"idlerelease"`
	// MaxHeaderBytes bounds a request head (default 16KiB).
	MaxHeaderBytes Size `yaml:"maxheaderbytes"`
	// MaxBodySize bounds request bodies (default 0: unbounded, streamed).
	MaxBodySize Size `yaml:"maxbodysize"`
	// MaxResponseHeaderBytes bounds a member's response head (default 16KiB).
	MaxResponseHeaderBytes Size `yaml:"maxresponseheaderbytes"`
	// BodyTimeout bounds each read of a request body: the head has
	// ReadHeaderTimeout, the body this, per read (default 20s, httpd's
	// RequestReadTimeout body=20).
	BodyTimeout Duration `yaml:"bodytimeout"`
	// BodyMinRate, in bytes per second, extends the body's deadline by one
	// second for every BodyMinRate bytes received, as httpd's MinRate does:
	// a body must arrive within BodyTimeout plus its size over this rate
	// (default 500; 0 turns the rate off, leaving the per-read timeout).
	BodyMinRate Size `yaml:"bodyminrate"`
	// MaxConcurrentStreams bounds the requests in flight on one HTTP/2
	// connection (default 100, as httpd's H2MaxSessionStreams and
	// HAProxy's tune.h2.max-concurrent-streams). An HTTP/2 request head
	// (its header list, RFC 9113 §6.5.2) is bounded by MaxHeaderBytes.
	MaxConcurrentStreams int `yaml:"maxconcurrentstreams"`
}
