package proxy

import (
	"bufio"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"balancer/internal/testutil"
)

// The edge corpus: requests a client controls end to end that must reach
// the member in one exact shape (forwarded headers, Host, decoded path,
// upgrade headers) or not at all, and responses whose Set-Cookie paths
// must all come back rewritten.

// edgeCorpusYAML: / to member root, /shop to member shop whose URL path
// is /shop (so it receives the path the balancer routed), /ws to a
// WebSocket member, /rev (reverse: true) to a member under /app that sets
// several cookies.
const edgeCorpusYAML = `
listen: "127.0.0.1:0"
balancers:
  - name: root
    members: [{url: "{{m0}}"}]
  - name: shop
    members: [{url: "{{m1}}/shop"}]
  - name: ws
    members: [{url: "{{m2}}"}]
  - name: rev
    members: [{url: "{{m3}}/app"}]
routes:
  - {path: /, balancer: root}
  - {path: /shop, balancer: shop}
  - {path: /ws, balancer: ws}
  - {path: /rev, balancer: rev, reverse: true}
`

// edgeCase is one request; at names the member that must receive it
// ("" for none), check looks at what it received.
type edgeCase struct {
	name   string
	raw    string
	status int
	at     string
	check  func(t *testing.T, s testutil.Seen, root *testutil.Member)
}

// oneValue asserts the member saw the header exactly once, with want.
func oneValue(name, want string) func(*testing.T, testutil.Seen, *testutil.Member) {
	return func(t *testing.T, s testutil.Seen, _ *testutil.Member) {
		if got := s.Header.Values(name); len(got) != 1 || got[0] != want {
			t.Errorf("%s: member saw %q, want exactly [%q]", name, got, want)
		}
	}
}

func all(checks ...func(*testing.T, testutil.Seen, *testutil.Member)) func(*testing.T, testutil.Seen, *testutil.Member) {
	return func(t *testing.T, s testutil.Seen, m *testutil.Member) {
		for _, c := range checks {
			c(t, s, m)
		}
	}
}

func uri(want string) func(*testing.T, testutil.Seen, *testutil.Member) {
	return func(t *testing.T, s testutil.Seen, _ *testutil.Member) {
		if s.URI != want {
			t.Errorf("member received %q, want %q", s.URI, want)
		}
	}
}

func absent(names ...string) func(*testing.T, testutil.Seen, *testutil.Member) {
	return func(t *testing.T, s testutil.Seen, _ *testutil.Member) {
		for _, n := range names {
			if v := s.Header.Values(n); len(v) > 0 {
				t.Errorf("member saw %s: %q", n, v)
			}
		}
	}
}

var edgeCorpus = []edgeCase{
	// Forwarded headers: one of each, whatever the client sent.
	{"X-Forwarded-For three times", "GET /a HTTP/1.1\r\nHost: front\r\nX-Forwarded-For: 1.1.1.1\r\nX-Forwarded-For: 2.2.2.2, 3.3.3.3\r\nx-forwarded-for: 4.4.4.4\r\n\r\n",
		200, "root", oneValue("X-Forwarded-For", "1.1.1.1, 2.2.2.2, 3.3.3.3, 4.4.4.4, 127.0.0.1")},
	{"X-Forwarded-For empty and set", "GET /a HTTP/1.1\r\nHost: front\r\nX-Forwarded-For: \r\nX-Forwarded-For: 1.1.1.1\r\n\r\n",
		200, "root", oneValue("X-Forwarded-For", "1.1.1.1, 127.0.0.1")},
	{"X-Forwarded-For named in Connection", "GET /a HTTP/1.1\r\nHost: front\r\nConnection: X-Forwarded-For\r\nX-Forwarded-For: 9.9.9.9\r\n\r\n",
		200, "root", oneValue("X-Forwarded-For", "127.0.0.1")},
	{"X-Forwarded-Host and -Proto twice", "GET /a HTTP/1.1\r\nHost: front:8080\r\nX-Forwarded-Host: evil\r\nX-Forwarded-Host: evil2\r\nX-Forwarded-Proto: https\r\nx-forwarded-proto: https\r\n\r\n",
		200, "root", all(oneValue("X-Forwarded-Host", "front:8080"), oneValue("X-Forwarded-Proto", "http"))},
	{"X-Forwarded-Host and -Proto once", "GET /a HTTP/1.1\r\nHost: front\r\nX-Forwarded-Host: evil\r\nX-Forwarded-Proto: https\r\n\r\n",
		200, "root", all(oneValue("X-Forwarded-Host", "front"), oneValue("X-Forwarded-Proto", "http"))},
	// HTTP/1.0 may leave Host out: the member gets its own host.
	{"HTTP/1.0 without Host", "GET /a HTTP/1.0\r\n\r\n", 200, "root",
		func(t *testing.T, s testutil.Seen, root *testutil.Member) {
			if s.Host != root.Addr {
				t.Errorf("member saw Host %q, want its own %q", s.Host, root.Addr)
			}
		}},
	{"HTTP/1.0 with Host", "GET /a HTTP/1.0\r\nHost: front\r\n\r\n", 200, "root",
		func(t *testing.T, s testutil.Seen, _ *testutil.Member) {
			if s.Host != "front" {
				t.Errorf("member saw Host %q, want the client's", s.Host)
			}
		}},
	// Paths: routed and forwarded decoded (unreserved escapes), never
	// escaping the route.
	{"unreserved escape in the route", "GET /%73hop/x HTTP/1.1\r\nHost: x\r\n\r\n", 200, "shop", uri("/shop/x")},
	{"unreserved escapes, upper and lower case", "GET /sh%6Fp/%7euser/%41 HTTP/1.1\r\nHost: x\r\n\r\n", 200, "shop", uri("/shop/~user/A")},
	{"reserved escape kept", "GET /shop/a%3cb%20c HTTP/1.1\r\nHost: x\r\n\r\n", 200, "shop", uri("/shop/a%3Cb%20c")},
	{"query kept as sent", "GET /shop/x?a=%2f%2e%2e HTTP/1.1\r\nHost: x\r\n\r\n", 200, "shop", uri("/shop/x?a=%2f%2e%2e")},
	{"encoded dot-segment ..%2f", "GET /shop/..%2fadmin HTTP/1.1\r\nHost: x\r\n\r\n", 400, "", nil},
	{"encoded dot-segment ..%2F", "GET /shop/..%2Fadmin HTTP/1.1\r\nHost: x\r\n\r\n", 400, "", nil},
	{"encoded dot-segment %2e%2e", "GET /shop/%2e%2e/x HTTP/1.1\r\nHost: x\r\n\r\n", 400, "", nil},
	{"encoded dot-segment %2E.", "GET /shop/%2E./x HTTP/1.1\r\nHost: x\r\n\r\n", 400, "", nil},
	{"encoded dot-segment, all encoded", "GET /shop/%2e%2e%2fadmin HTTP/1.1\r\nHost: x\r\n\r\n", 400, "", nil},
	{"encoded dot-segment into another route", "GET /shop/%2e%2e/ws HTTP/1.1\r\nHost: x\r\n\r\n", 400, "", nil},
	{"encoded dot-segment before a parameter", "GET /shop/%2e%2e;a=b/x HTTP/1.1\r\nHost: x\r\n\r\n", 400, "", nil},
	{"encoded slash %2f", "GET /shop/a%2fb HTTP/1.1\r\nHost: x\r\n\r\n", 404, "", nil},
	{"encoded slash %2F", "GET /shop/a%2Fb HTTP/1.1\r\nHost: x\r\n\r\n", 404, "", nil},
	{"encoded slash at the start", "GET /%2fshop/x HTTP/1.1\r\nHost: x\r\n\r\n", 404, "", nil},
	{"encoded backslash", "GET /shop/a%5Cb HTTP/1.1\r\nHost: x\r\n\r\n", 404, "", nil},
	{"bad escape", "GET /shop/a%zz HTTP/1.1\r\nHost: x\r\n\r\n", 400, "", nil},
	// Upgrades: only WebSocket is tunnelled.
	{"h2c upgrade goes on as HTTP/1.1", "GET /a HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n",
		200, "root", all(absent("Upgrade", "HTTP2-Settings", "Connection"), uri("/a"))},
	{"WebSocket upgrade is tunnelled", "GET /ws/chat HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
		101, "ws", nil},
}

// cookieMember sets several cookies under /app, a deletion among them.
func cookieMember(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, c := range setCookies {
			w.Header().Add("Set-Cookie", c[0])
		}
		w.Write([]byte("ok"))
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

// setCookies: what the member under /app sets, what the client must see
// under /rev.
var setCookies = [][2]string{
	{"JSESSIONID=abc.node1; Path=/app; HttpOnly; SameSite=Lax", "JSESSIONID=abc.node1; Path=/rev; HttpOnly; SameSite=Lax"},
	{"old=; Path=/app/cart; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT", "old=; Path=/rev/cart; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"},
	{"pref=1; Path=/app; Secure; Max-Age=3600; Domain=example.com", "pref=1; Path=/rev; Secure; Max-Age=3600; Domain=example.com"},
	{"other=1; Path=/elsewhere", "other=1; Path=/elsewhere"},
}

func TestEdgeCorpus(t *testing.T) {
	root := testutil.StartMember(t, "root")
	shop := testutil.StartMember(t, "shop")
	// startProxy replaces {{mN}} with member URLs; the WebSocket and
	// cookie members are plain servers, so their URLs go in directly.
	// The WebSocket member is a RawMember (it answers an upgrade with 101),
	// so that what it received is counted like the others'.
	ws := testutil.StartRawMember(t, testutil.ReadsAll)
	yml := strings.NewReplacer("{{m2}}", ws.URL, "{{m3}}", cookieMember(t)).Replace(edgeCorpusYAML)
	p, base := startProxy(t, yml, root, shop)
	addr := strings.TrimPrefix(base, "http://")
	members := map[string]*testutil.Member{"root": root, "shop": shop}
	for _, c := range edgeCorpus {
		t.Run(c.name, func(t *testing.T) {
			before := map[string]int{}
			for n, m := range members {
				before[n] = len(m.Seen())
			}
			wsBefore := len(ws.Requests())
			res := testutil.RawExchange(addr, [][]byte{[]byte(c.raw)}, 0, "")
			if res.Status != c.status {
				t.Fatalf("status %d (%v), want %d", res.Status, res.Err, c.status)
			}
			// The answer came after the member's record of the request.
			switch got := ws.Requests()[wsBefore:]; {
			case c.at != "ws" && len(got) > 0:
				t.Errorf("member ws received %s %s", got[0].Method, got[0].URI)
			case c.at == "ws" && (len(got) != 1 || !strings.EqualFold(got[0].Header.Get("Upgrade"), "websocket")):
				t.Errorf("member ws received %d requests (%v), want 1 WebSocket upgrade", len(got), got)
			}
			for n, m := range members {
				seen := m.Seen()[before[n]:]
				switch {
				case n != c.at && len(seen) > 0:
					t.Errorf("member %s received %s %s", n, seen[0].Method, seen[0].URI)
				case n == c.at && len(seen) != 1:
					t.Errorf("member %s received %d requests, want 1", n, len(seen))
				case n == c.at && c.check != nil:
					c.check(t, seen[0], root)
				}
			}
		})
	}
	if mem := p.Snapshot().Balancers[0].Members()[0]; mem.st.errors.Load() != 0 {
		t.Errorf("member root has %d errors after the corpus", mem.st.errors.Load())
	}

	t.Run("every Set-Cookie rewritten, every attribute kept", func(t *testing.T) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		c.Write([]byte("GET /rev/x HTTP/1.1\r\nHost: front\r\n\r\n"))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		got := resp.Header.Values("Set-Cookie")
		var want []string
		for _, sc := range setCookies {
			want = append(want, sc[1])
		}
		if !slices.Equal(got, want) {
			t.Errorf("client saw Set-Cookie\n  %q\nwant\n  %q", got, want)
		}
	})
}
