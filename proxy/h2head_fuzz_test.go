package proxy

import (
	"net/http"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"
)

// FuzzH2Head: whatever an HTTP/2 request's head holds, its HTTP/1.1 form
// is refused, or read back by fasthttp as exactly the fields it came
// from: the same target and host, and no field that was not sent.
func FuzzH2Head(f *testing.F) {
	f.Add("GET", "/a?b=1", "h:1", "X-A", "v")
	f.Add("POST", "/a", "h", "Cookie", "a=1; b=2")
	f.Add("GET", "/a\r\nX-Injected: 1", "h", "X-A", "v")
	f.Add("GET", "/a", "h", "X-A", "v\nX-Injected: 1")
	f.Add("GET", "/a b", "h", "X-A", "v")
	f.Fuzz(func(t *testing.T, method, uri, host, name, value string) {
		r := &http.Request{Method: method, RequestURI: uri, Host: host, Header: http.Header{name: {value}}, Body: http.NoBody}
		var x h2ctx
		var req fasthttp.Request
		if err := x.toFasthttp(r, &req); err != nil {
			return
		}
		if strings.Contains(string(req.Header.RawHeaders()), "X-Injected") &&
			!strings.Contains(name+value, "X-Injected") {
			t.Fatalf("a field appeared from nowhere:\n%s", x.head)
		}
		n := 0
		for range req.Header.All() {
			n++
		}
		// Host, and the one field (fasthttp may drop one it cannot keep).
		if n > 2 {
			t.Fatalf("%d fields read back from a head of two:\n%s", n, x.head)
		}
	})
}
