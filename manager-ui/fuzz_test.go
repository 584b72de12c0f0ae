package managerui

import (
	"strings"
	"testing"

	"github.com/valyala/fasthttp"
)

// call runs the handler on an in-memory request: no network, for fuzzing
// and benchmarks.
func call(h fasthttp.RequestHandler, method, uri, ctype string, body []byte, headers ...string) *fasthttp.RequestCtx {
	var ctx fasthttp.RequestCtx
	ctx.Request.Header.SetMethod(method)
	ctx.Request.SetRequestURI(uri)
	ctx.Request.Header.SetHost("127.0.0.1:8081")
	if ctype != "" {
		ctx.Request.Header.SetContentType(ctype)
	}
	for _, hv := range headers {
		k, v, _ := strings.Cut(hv, ": ")
		ctx.Request.Header.Set(k, v)
	}
	ctx.Request.SetBody(body)
	h(&ctx)
	return &ctx
}

// Whatever a script sends to the member endpoint, the answer is JSON with
// a status the API documents, and the handler does not panic.
func FuzzAPIMemberBody(f *testing.F) {
	for _, s := range []string{
		`{"loadfactor": 2}`, `{"status": ["drain"]}`, `{"status": null}`, `{"route": "x", "redirect": ""}`,
		`{"lbset": 1e400}`, `[]`, `{"loadfactor": -1}`, `{"status": ["drain", 3]}`, "{\"route\": \"\u0000<\"}", `{} {}`,
	} {
		f.Add([]byte(s))
	}
	b := newTestBackend(f)
	initial := b.cfg
	m, err := New(b, Options{})
	if err != nil {
		f.Fatal(err)
	}
	h := m.Handler()
	nonce := NonceHeader + ": " + m.csrf.apiNonce()
	f.Fuzz(func(t *testing.T, body []byte) {
		b.mu.Lock()
		b.cfg = initial // an earlier input may have renamed node2
		b.mu.Unlock()
		ctx := call(h, "POST", DefaultPath+"/api/balancers/shop/members/node2", "application/json", body, nonce)
		switch st := ctx.Response.StatusCode(); st {
		case 200, 400:
		default:
			t.Fatalf("status %d for %q: %s", st, body, ctx.Response.Body())
		}
		if string(ctx.Response.Header.ContentType()) != "application/json" {
			t.Fatalf("Content-Type %q", ctx.Response.Header.ContentType())
		}
	})
}

// Any Authorization header is either the right credentials or a 401.
func FuzzBasicAuth(f *testing.F) {
	f.Add("Basic YWRtaW46YWRtaW4tcGFzcw==") // admin:admin-pass
	f.Add("Basic Og==")
	f.Add("basic !!!")
	f.Add("Bearer x")
	m, err := New(newTestBackend(f), Options{Users: testUsers(f)})
	if err != nil {
		f.Fatal(err)
	}
	h := m.Handler()
	f.Fuzz(func(t *testing.T, auth string) {
		ctx := call(h, "GET", DefaultPath+"/api/balancers", "", nil, "Authorization: "+auth)
		name, pass, _ := basicAuth(ctx)
		want := 401
		if (name == "admin" && pass == "admin-pass") || (name == "viewer" && pass == "viewer-pass") {
			want = 200
		}
		if st := ctx.Response.StatusCode(); st != want {
			t.Fatalf("%q: status %d, want %d", auth, st, want)
		}
	})
}
