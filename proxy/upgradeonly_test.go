package proxy

import (
	"testing"

	"balancer/internal/testutil"
)

// TestOnlyWebSocketIsTunnelled: an h2c (or any other) upgrade is not
// tunnelled: the request goes on as plain HTTP/1.1 without its upgrade
// headers.
func TestOnlyWebSocketIsTunnelled(t *testing.T) {
	m := testutil.StartMember(t, "node1")
	p, base := startProxy(t, `
listen: "127.0.0.1:0"
balancers:
  - name: c
    members: [{url: "{{m0}}"}]
routes: [{path: /, balancer: c}]
`, m)
	for _, up := range []string{"h2c", "TLS/1.2", "websocketx"} {
		resp := rawRequest(t, base, "GET /x HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: "+up+
			"\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n")
		if resp.StatusCode != 200 {
			t.Fatalf("%s: status %d, want 200 (plain HTTP/1.1)", up, resp.StatusCode)
		}
		h := lastSeen(t, m).Header
		for _, name := range []string{"Upgrade", "Http2-Settings", "Connection"} {
			if v := h.Get(name); v != "" {
				t.Errorf("%s: member saw %s: %q", up, name, v)
			}
		}
		if p.Tunnels() != 0 {
			t.Fatalf("%s: a tunnel is open", up)
		}
	}
}
