package accesslog

import (
	"flag"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"balancer/proxy"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func request(uri, ua string) *fasthttp.RequestCtx {
	var req fasthttp.Request
	req.Header.SetMethod("GET")
	req.SetRequestURI(uri)
	req.Header.Set("Referer", "http://example.com/")
	req.Header.SetUserAgent(ua)
	ctx := &fasthttp.RequestCtx{}
	ctx.Init(&req, &net.TCPAddr{IP: net.IPv4(10, 1, 2, 3), Port: 5555}, nil)
	ctx.Response.SetBodyString("hello")
	return ctx
}

func TestFormatsGolden(t *testing.T) {
	start := time.Date(2026, 11, 22, 12, 30, 0, 0, time.UTC)
	recs := []struct {
		uri, ua string
		rec     proxy.Record
	}{
		{"/shop/cart?x=1", "curl/8.5", proxy.Record{Start: start, Protocol: proxy.ProtoHTTP11, Status: 200, Sticky: proxy.StickyHit, Attempts: 1, Upstream: 12345 * time.Microsecond}},
		{"/a\"b", "evil\"\x01\nagent", proxy.Record{Start: start, Protocol: proxy.ProtoHTTP11, Status: 503, Reason: "no member available"}},
	}
	for _, format := range []string{"combined", "json"} {
		var out []byte
		for _, r := range recs {
			ctx := request(r.uri, r.ua)
			if format == "json" {
				out = appendJSON(out, ctx, &r.rec)
			} else {
				out = appendCombined(out, ctx, &r.rec)
			}
		}
		golden := filepath.Join("testdata", format+".golden")
		if *update {
			os.WriteFile(golden, out, 0o644)
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		if string(out) != string(want) {
			t.Errorf("%s:\ngot:\n%s\nwant:\n%s", format, out, want)
		}
	}
}

func TestReopen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "access.log")
	l, err := Open(path, "combined")
	if err != nil {
		t.Fatal(err)
	}
	l.Done(request("/1", "a"), &proxy.Record{Start: time.Now(), Status: 200})
	os.Rename(path, path+".1") // logrotate
	if err := l.Reopen(); err != nil {
		t.Fatal(err)
	}
	l.Done(request("/2", "a"), &proxy.Record{Start: time.Now(), Status: 200})
	l.Close()
	old, _ := os.ReadFile(path + ".1")
	cur, _ := os.ReadFile(path)
	if len(old) == 0 || len(cur) == 0 {
		t.Fatalf("rotated %d bytes, new %d bytes", len(old), len(cur))
	}
}
