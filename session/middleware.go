package session

import (
	"context"
	"net/http"
	"sync"
)

type ctxKey struct{}

// FromContext returns the request's session (set by the middleware).
func FromContext(ctx context.Context) *Session {
	s, _ := ctx.Value(ctxKey{}).(*Session)
	return s
}

// Middleware gives every request a session (FromContext). The session is
// saved and its cookie set before the response's first byte, so that the
// next request finds it even if it reaches another node (Jetty's
// flushOnResponseCommit).
func (m *Manager) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := m.begin(r.Context(), m.requestID(r))
		cw := &commitWriter{ResponseWriter: w, commit: func() {
			m.end(r.Context(), s)
			if c := m.cookie(s, secure(r)); c != nil {
				http.SetCookie(w, c)
			}
		}}
		next.ServeHTTP(cw, r.WithContext(context.WithValue(r.Context(), ctxKey{}, s)))
		cw.doCommit()
	})
}

func secure(r *http.Request) bool {
	return r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https"
}

// commitWriter runs commit once, before the first header or body byte.
type commitWriter struct {
	http.ResponseWriter
	once   sync.Once
	commit func()
}

func (w *commitWriter) doCommit() { w.once.Do(w.commit) }

func (w *commitWriter) WriteHeader(code int) {
	w.doCommit()
	w.ResponseWriter.WriteHeader(code)
}

func (w *commitWriter) Write(b []byte) (int, error) {
	w.doCommit()
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *commitWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
