package managerui

import (
	"bytes"
	"embed"
	"html/template"
	"slices"
	"time"

	"github.com/valyala/fasthttp"
)

//go:embed assets
var assets embed.FS

// parseTemplates parses the page and the error page from the embedded
// assets.
func parseTemplates() (page, errPage *template.Template, err error) {
	funcs := template.FuncMap{
		"bytes": humanBytes,
		"count": humanCount,
		"rate":  humanRate,
		"pct":   percent,
		"stamp": stamp,
		"ago":   func(t *time.Time) string { return ago(t, time.Now()) },
		"until": func(t *time.Time) string {
			if t == nil {
				return ""
			}
			d := time.Until(*t)
			if d <= 0 {
				return "now"
			}
			return "in " + humanDuration(d)
		},
		// span renders a Go duration string the Backend gives ("5m0s") as
		// the page does ("5m"); anything else is shown as it is.
		"span": func(s string) string {
			d, err := time.ParseDuration(s)
			if err != nil {
				return s
			}
			if d == 0 {
				return "off"
			}
			return humanDuration(d)
		},
		"has":        func(list []string, s string) bool { return slices.Contains(list, s) },
		"memberName": memberName,
		"bal": func(p *pageView, b balancerView) balancerArgs {
			return balancerArgs{Page: p, B: b}
		},
	}
	t, err := template.New("manager").Funcs(funcs).ParseFS(assets, "assets/page.html")
	if err != nil {
		return nil, nil, err
	}
	return t.Lookup("page"), t.Lookup("error"), nil
}

// balancerArgs is the data of the "balancer" template.
type balancerArgs struct {
	Page *pageView
	B    balancerView
}

// errorView is the data of the error page.
type errorView struct {
	Base, Page     string
	Title, Message string
}

// servePage answers GET (the page) and POST (the forms) on the page path.
func (m *Manager) servePage(ctx *fasthttp.RequestCtx) {
	who, ok := m.authenticate(ctx, false)
	if !ok {
		return
	}
	switch {
	case ctx.IsGet() || ctx.IsHead():
		flash := ""
		if ctx.QueryArgs().Has("applied") {
			flash = m.appliedMessage(string(ctx.QueryArgs().Peek("applied")))
		}
		m.renderPage(ctx, who, fasthttp.StatusOK, flash, "")
	case ctx.IsPost():
		m.serveForm(ctx, who)
	default:
		ctx.Response.Header.Set("Allow", "GET, HEAD, POST")
		m.plainError(ctx, fasthttp.StatusMethodNotAllowed, "Method not allowed", "The balancer-manager page answers GET and POST only.")
	}
}

// appliedMessage confirms a form's action (kind comes from serveForm's
// redirect; the text is fixed, never taken from the request) and says
// whether an edit outlives a restart.
func (m *Manager) appliedMessage(kind string) string {
	switch kind {
	case "nothing":
		return "Nothing to change: the form matched the current settings."
	case "stopped":
		return "App node stopped: its sticky sessions move to another member on their next request."
	case "started":
		return "App node started: it takes new sessions again once it answers."
	}
	if m.b.Info().Persist {
		return "Change applied: it takes effect on the next request and is saved to the configuration file."
	}
	return "Change applied: it takes effect on the next request. It is not saved (manager.persist is off), so a restart forgets it."
}

// renderPage writes the page with an optional confirmation or error.
func (m *Manager) renderPage(ctx *fasthttp.RequestCtx, who principal, status int, flash, errMsg string) {
	now := time.Now()
	info := m.b.Info()
	v := &pageView{
		Base: m.path, Page: m.pagePath(), Info: info, User: who.Name,
		Flash: flash, Error: errMsg, Window: m.window(),
		LBMethods: lbMethods, Flags: adminFlags,
	}
	if !info.Started.IsZero() {
		v.Uptime = humanDuration(now.Sub(info.Started))
	}
	switch {
	case m.o.ReadOnly:
		v.ReadOnly = "Read-only: this manager is configured with manager.readonly, so the page shows no forms and edits are refused."
	case who.ReadOnly:
		v.ReadOnly = "Read-only: your account (" + who.Name + ") may look but not change anything."
	default:
		v.CanEdit = true
		v.Nonce = m.csrf.nonce(m.viewer(ctx))
	}
	// The demo's buttons post forms, so they need the nonce too.
	v.Demo = info.Demo && m.demo != nil && v.CanEdit
	if !ctx.QueryArgs().Has("live") {
		v.Forms = v.CanEdit
		v.Actions = v.CanEdit || v.Demo
	}
	v.Balancers = m.buildView(m.b.Balancers(), now)
	var buf bytes.Buffer
	if err := m.page.Execute(&buf, v); err != nil {
		m.log.Error("manager page", "error", err.Error())
		m.plainError(ctx, fasthttp.StatusInternalServerError, "Internal error", "The page could not be rendered; the log has the details.")
		return
	}
	ctx.SetStatusCode(status)
	ctx.SetContentType("text/html; charset=utf-8")
	ctx.SetBody(buf.Bytes())
}

// plainError answers with a small HTML page saying what went wrong.
func (m *Manager) plainError(ctx *fasthttp.RequestCtx, status int, title, msg string) {
	var buf bytes.Buffer
	if err := m.errPage.Execute(&buf, errorView{Base: m.path, Page: m.pagePath(), Title: title, Message: msg}); err != nil {
		ctx.Error(msg, status)
		return
	}
	ctx.SetStatusCode(status)
	ctx.SetContentType("text/html; charset=utf-8")
	ctx.SetBody(buf.Bytes())
}
