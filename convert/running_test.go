package convert_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"balancer/config"
	"balancer/convert"
	"balancer/internal/app"
	"balancer/internal/testutil"
)

// start converts conf, moves its listeners to ephemeral loopback ports and
// runs the result as the balancer does.
func start(t *testing.T, conf string) string {
	t.Helper()
	out, warns, err := convert.HTTPD(strings.NewReader(conf), "httpd.conf")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range warns {
		t.Log(w)
	}
	text := strings.NewReplacer(`"127.0.0.1:18000"`, `"127.0.0.1:0"`, `"127.0.0.1:8081"`, `"127.0.0.1:0"`).Replace(string(out))
	cfg, err := config.Parse("converted.yaml", []byte(text))
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	a, err := app.Start(cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Stop(time.Second) })
	return "http://" + a.ProxyAddr()
}

func get(t *testing.T, url, cookie string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

// TestConvertedJettyRuns runs the classic two-node Jetty setup converted:
// sessions stick by their route suffix, and the path after the balancer
// URL reaches the members as in httpd.
func TestConvertedJettyRuns(t *testing.T) {
	m1, m2 := testutil.StartMember(t, "route1"), testutil.StartMember(t, "route2")
	base := start(t, fmt.Sprintf(`Listen 127.0.0.1:18000
ProxyPreserveHost On
<Proxy balancer://jetty>
    BalancerMember %s route=route1
    BalancerMember %s route=route2
</Proxy>
ProxyPass /test balancer://jetty/app stickysession=JSESSIONID lbmethod=bytraffic
ProxyPassReverse /test balancer://jetty/app
`, m1.URL, m2.URL))
	for _, tc := range []struct {
		cookie string
		want   *testutil.Member
	}{{"JSESSIONID=abc.route2", m2}, {"JSESSIONID=def.route1", m1}} {
		for i := 0; i < 5; i++ {
			if _, body := get(t, base+"/test/cart?x=1", tc.cookie); body != "route="+tc.want.Route+"\n" {
				t.Fatalf("%s: answered %q", tc.cookie, body)
			}
		}
		seen := tc.want.Seen()
		if uri := seen[len(seen)-1].URI; uri != "/app/cart?x=1" {
			t.Errorf("member got %s, want /app/cart?x=1", uri)
		}
	}
}

// TestConvertedRouteCookieRuns runs httpd's ROUTEID recipe converted: the
// balancer sets the route cookie, and the cookie keeps the client there.
func TestConvertedRouteCookieRuns(t *testing.T) {
	m1, m2 := testutil.StartMember(t, "1"), testutil.StartMember(t, "2")
	base := start(t, fmt.Sprintf(`Listen 127.0.0.1:18000
ProxyPreserveHost On
Header add Set-Cookie "ROUTEID=.%%{BALANCER_WORKER_ROUTE}e; path=/" env=BALANCER_ROUTE_CHANGED
<Proxy "balancer://mycluster">
    BalancerMember "%s" route=1
    BalancerMember "%s" route=2
    ProxySet stickysession=ROUTEID
</Proxy>
ProxyPass "/" "balancer://mycluster/"
`, m1.URL, m2.URL))
	resp, first := get(t, base+"/", "")
	var cookie string
	for _, c := range resp.Cookies() {
		if c.Name == "ROUTEID" {
			cookie = c.Name + "=" + c.Value
		}
	}
	if cookie != "ROUTEID=."+strings.TrimSpace(strings.TrimPrefix(first, "route=")) {
		t.Fatalf("first answer %q set cookie %q", first, cookie)
	}
	for i := 0; i < 6; i++ {
		if _, body := get(t, base+"/", cookie); body != first {
			t.Fatalf("request %d with %s went to %q, want %q", i, cookie, body, first)
		}
	}
}
