package session

import (
	"context"
	"net/http"
	"strings"
)

type ctxKey struct{}

// FromContext returns the request's session, set by Middleware; nil
// outside it.
func FromContext(ctx context.Context) *Session {
	s, _ := ctx.Value(ctxKey{}).(*Session)
	return s
}

// Middleware gives every request a session (FromContext). The session id
// comes from the ";jsessionid=" path parameter (removed from the path the
// handler sees, as servlet containers do) or else the cookie. The session
// is saved and its cookie set before the response's first byte, so the
// next request finds it even on another node (Jetty's
// flushOnResponseCommit); changes made after that are saved when the
// handler returns.
func (m *Manager) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		full, r := m.requestID(r)
		// The save must not fail because the client went away.
		ctx := context.WithoutCancel(r.Context())
		s := m.begin(ctx, full)
		defer m.release(s)
		cw := &commitWriter{ResponseWriter: w, commit: func(h http.Header) {
			m.flush(ctx, s, false)
			if c := m.cookie(s, secure(r)); c != nil {
				if v := c.String(); v != "" {
					h.Add("Set-Cookie", v)
				}
			}
		}}
		next.ServeHTTP(cw, r.WithContext(context.WithValue(r.Context(), ctxKey{}, s)))
		if !cw.committed {
			cw.doCommit()
		} else {
			m.flush(ctx, s, true)
		}
	})
}

// requestID returns the id the client sent, path parameter first (as
// httpd's mod_proxy_balancer looks), and the request without the
// parameter in its path.
func (m *Manager) requestID(r *http.Request) (string, *http.Request) {
	param := ";" + strings.ToLower(m.cfg.CookieName) + "="
	if id, path, ok := cutPathParam(r.URL.Path, param); ok {
		r2 := r.Clone(r.Context())
		r2.URL.Path = path
		if r.URL.RawPath != "" {
			_, r2.URL.RawPath, _ = cutPathParam(r.URL.RawPath, param)
		}
		return id, r2
	}
	if c, err := r.Cookie(m.cfg.CookieName); err == nil {
		return c.Value, r
	}
	return "", r
}

// cutPathParam finds ";name=value" in path, the value ending at the next
// '/' or ';', and returns the value and the path without the parameter.
func cutPathParam(path, param string) (value, rest string, ok bool) {
	i := strings.Index(path, param)
	if i < 0 {
		return "", path, false
	}
	v := path[i+len(param):]
	end := len(v)
	if j := strings.IndexAny(v, "/;"); j >= 0 {
		end = j
	}
	return v[:end], path[:i] + v[end:], true
}

func secure(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// commitWriter runs commit once, just before the response's header is
// written.
type commitWriter struct {
	http.ResponseWriter
	commit    func(http.Header)
	committed bool
}

func (w *commitWriter) doCommit() {
	if !w.committed {
		w.committed = true
		w.commit(w.ResponseWriter.Header())
	}
}

// WriteHeader commits first, except for informational (1xx) responses,
// which precede the real header.
func (w *commitWriter) WriteHeader(code int) {
	if code >= 200 {
		w.doCommit()
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write commits first.
func (w *commitWriter) Write(b []byte) (int, error) {
	w.doCommit()
	return w.ResponseWriter.Write(b)
}

// FlushError commits first; http.ResponseController finds it before
// unwrapping, so a flush cannot send the header without the cookie.
func (w *commitWriter) FlushError() error {
	w.doCommit()
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// Flush commits first (http.Flusher).
func (w *commitWriter) Flush() { w.FlushError() }

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *commitWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
