package managerui

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/valyala/fasthttp"

	"balancer/config"
)

// DefaultPath is where the page is served when Options.Path is empty.
const DefaultPath = "/balancer-manager"

// Options configure a Manager.
type Options struct {
	// Path is the page's path (default DefaultPath); the API lives under
	// Path+"/api/" and the page's assets under Path+"/static/".
	Path string
	// Users, when not empty, require HTTP Basic credentials for the page,
	// the API and pprof. Passwords are bcrypt hashes.
	Users []config.User
	// MetricsAuth puts /metrics behind the Users' credentials too.
	MetricsAuth bool
	// Listen is the manager listener's address. What needs no credentials
	// is served only under its host, loopback names and Hosts.
	Listen string
	// Hosts are further names under which what needs no credentials is
	// served.
	Hosts []string
	// ReadOnly serves the page without forms and refuses every edit.
	ReadOnly bool
	// Gatherer is served on /metrics; nil serves no /metrics. It is the
	// caller's registry, never the global one.
	Gatherer prometheus.Gatherer
	// Pprof serves net/http/pprof under /debug/pprof/.
	Pprof bool
	// Logger receives edit and authentication logs; nil discards them.
	Logger *slog.Logger
	// SampleEvery is how often the traffic charts sample the members'
	// counters (default 5s).
	SampleEvery time.Duration
	// History is how many intervals the charts show (default 60).
	History int
}

// Manager serves the balancer-manager page, its JSON API, /metrics,
// /healthz and, optionally, /debug/pprof/. It is safe for concurrent use.
type Manager struct {
	b       Backend
	demo    DemoControl // nil unless b implements it
	o       Options
	path    string // Options.Path without a trailing slash ("" for "/")
	log     *slog.Logger
	page    *template.Template
	errPage *template.Template
	csrf    *csrf
	auth    *authenticator // nil without users
	hosts   *hostGuard
	sampler *Sampler
	metrics fasthttp.RequestHandler // nil without a Gatherer
	pprof   fasthttp.RequestHandler // nil unless Options.Pprof
}

// New builds a Manager over b. Templates and assets are parsed here, once;
// an invalid user entry (not a bcrypt hash, duplicate name) is an error.
func New(b Backend, o Options) (*Manager, error) {
	if b == nil {
		return nil, errors.New("managerui: nil Backend")
	}
	if o.Path == "" {
		o.Path = DefaultPath
	}
	if !strings.HasPrefix(o.Path, "/") {
		return nil, fmt.Errorf("managerui: path %q must start with /", o.Path)
	}
	if o.SampleEvery <= 0 {
		o.SampleEvery = 5 * time.Second
	}
	if o.History <= 0 {
		o.History = 60
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	m := &Manager{b: b, o: o, path: strings.TrimRight(o.Path, "/"), log: o.Logger,
		hosts: newHostGuard(o.Listen, o.Hosts)}
	if d, ok := b.(DemoControl); ok {
		m.demo = d
	}
	var err error
	if m.page, m.errPage, err = parseTemplates(); err != nil {
		return nil, err
	}
	if m.csrf, err = newCSRF(); err != nil {
		return nil, err
	}
	if len(o.Users) > 0 {
		if m.auth, err = newAuthenticator(o.Users); err != nil {
			return nil, err
		}
	} else if o.MetricsAuth {
		return nil, errors.New("managerui: metrics behind credentials needs users (manager.auth.users)")
	}
	m.sampler = NewSampler(b, o.SampleEvery, o.History)
	if o.Gatherer != nil {
		m.metrics = metricsHandler(o.Gatherer, o.Logger)
	}
	if o.Pprof {
		m.pprof = pprofHandler()
	}
	return m, nil
}

// Run samples traffic for the charts until ctx is done.
func (m *Manager) Run(ctx context.Context) { m.sampler.Run(ctx) }

// Sampler returns the traffic sampler behind the charts.
func (m *Manager) Sampler() *Sampler { return m.sampler }

// Handler serves the manager listener: the page at Path, its assets under
// Path/static/, the API under Path/api/, /metrics, /healthz and, with
// Options.Pprof, /debug/pprof/. A request the manager would serve without
// credentials whose Host is not one of the manager's own names gets 421
// and nothing else, /healthz excepted (hostGuard).
func (m *Manager) Handler() fasthttp.RequestHandler { return m.serve }

func (m *Manager) serve(ctx *fasthttp.RequestCtx) {
	securityHeaders(ctx)
	p := string(ctx.Path())
	switch {
	case p == "/healthz":
		ctx.SetContentType("text/plain; charset=utf-8")
		ctx.SetBodyString("ok\n")
	case !m.asksCredentials(p) && !m.hosts.allows(ctx):
		m.misdirected(ctx)
	case p == "/metrics" && m.metrics != nil:
		if m.o.MetricsAuth && m.auth != nil {
			if _, ok := m.authenticate(ctx, false); !ok {
				return
			}
		}
		m.metrics(ctx)
	case m.pprof != nil && strings.HasPrefix(p, "/debug/pprof"):
		if _, ok := m.authenticate(ctx, false); ok {
			m.pprof(ctx)
		}
	case p == m.path || p == m.path+"/":
		m.servePage(ctx)
	case strings.HasPrefix(p, m.path+"/static/"):
		serveAsset(ctx, strings.TrimPrefix(p, m.path+"/static/"))
	case strings.HasPrefix(p, m.path+"/api/"):
		m.serveAPI(ctx)
	default:
		ctx.SetContentType("text/plain; charset=utf-8")
		ctx.SetStatusCode(fasthttp.StatusNotFound)
		ctx.SetBodyString("404 not found: the balancer-manager is at " + m.pagePath() + "\n")
	}
}

// asksCredentials reports whether a request for path p must carry valid
// credentials; the others are served to whoever asks, and only under the
// manager's own names.
func (m *Manager) asksCredentials(p string) bool {
	switch {
	case m.auth == nil:
		return false
	case p == "/metrics":
		return m.o.MetricsAuth
	case m.pprof != nil && strings.HasPrefix(p, "/debug/pprof"):
		return true
	}
	return p == m.path || p == m.path+"/" || strings.HasPrefix(p, m.path+"/api/")
}

// pagePath is the page's URL path.
func (m *Manager) pagePath() string {
	if m.path == "" {
		return "/"
	}
	return m.path
}
