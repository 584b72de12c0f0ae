package app

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"

	"balancer/internal/testutil"
)

// tcpState is the kernel's state of the server side of the connection
// from client to server, as /proc/net/tcp gives it: "01" established (in
// the accept queue or accepted), "03" a handshake the kernel holds back
// (SYN_RECV), "" not there.
func tcpState(t *testing.T, server, client net.Addr) string {
	t.Helper()
	b, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		t.Fatal(err)
	}
	hex := func(a net.Addr) string {
		ta := a.(*net.TCPAddr)
		ip := ta.IP.To4()
		return fmt.Sprintf("%02X%02X%02X%02X:%04X", ip[3], ip[2], ip[1], ip[0], ta.Port)
	}
	local, remote := hex(server), hex(client)
	for _, line := range strings.Split(string(b), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) > 3 && f[1] == local && f[2] == remote {
			return f[3]
		}
	}
	return ""
}

// dialSilent opens a connection to addr that sends nothing.
func dialSilent(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// awaitState waits until the kernel shows the server side of c in state.
func awaitState(t *testing.T, c net.Conn, state string) {
	t.Helper()
	testutil.Eventually(t, "server side of "+c.LocalAddr().String()+" in state "+state, func() bool {
		return tcpState(t, c.RemoteAddr(), c.LocalAddr()) == state
	})
}

// speak sends a request on c and returns the response's status.
func speak(t *testing.T, c net.Conn) int {
	t.Helper()
	if _, err := c.Write([]byte("GET / HTTP/1.1\r\nHost: test\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

const deferOneMember = `
balancers:
  - name: c
    members:
      - url: {{m0}}
        route: node1
routes:
  - path: /
    balancer: c
`

// TestDeferAcceptKeepsSilentClientsOut: with deferaccept a client that
// connects and sends nothing stays in the kernel (SYN_RECV), so it holds
// no slot of maxconns: with maxconns 1 the next client is served. Without
// it, the silent client is accepted and takes the only slot.
func TestDeferAcceptKeepsSilentClientsOut(t *testing.T) {
	for _, tc := range []struct {
		deferaccept bool
		silent      string // the server side of the silent connection
		served      bool   // a second client with maxconns 1
	}{
		{false, "01", false},
		{true, "03", true},
	} {
		t.Run(fmt.Sprintf("deferaccept=%t", tc.deferaccept), func(t *testing.T) {
			m := testutil.StartMember(t, "node1")
			yml := fmt.Sprintf("listen:\n  - addr: 127.0.0.1:0\n    deferaccept: %t\nlimits:\n  maxconns: 1\n", tc.deferaccept) + deferOneMember
			a, base, _ := startApp(t, yml, m)
			silent := dialSilent(t, a.ProxyAddr())
			awaitState(t, silent, tc.silent)

			req, _ := http.NewRequest("GET", base+"/", nil)
			req.Close = true
			resp, err := http.DefaultClient.Do(req)
			served := err == nil && resp.StatusCode == http.StatusOK
			if resp != nil {
				resp.Body.Close()
			}
			if served != tc.served {
				t.Fatalf("second client served = %t (%v), want %t", served, err, tc.served)
			}
			if got := tcpState(t, silent.RemoteAddr(), silent.LocalAddr()); got != tc.silent {
				t.Fatalf("after the second client, the silent one is in state %q, want %q", got, tc.silent)
			}
		})
	}
}

// TestDeferAcceptFollowsReload: deferaccept turned on and off by reloads
// changes the listening socket in place (same listener, no connection
// lost), for the connections that come from then on; a connection held
// back is served once it speaks.
func TestDeferAcceptFollowsReload(t *testing.T) {
	m := testutil.StartMember(t, "node1")
	listen := func(on bool) string {
		return fmt.Sprintf("listen:\n  - addr: 127.0.0.1:0\n    deferaccept: %t\n", on)
	}
	a, _, path := startApp(t, listen(false)+deferOneMember, m)
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	a.mu.Lock()
	first := a.listeners[0]
	a.mu.Unlock()
	kept := dialSilent(t, a.ProxyAddr())
	awaitState(t, kept, "01")

	for i, on := range []bool{true, false, true} {
		y := strings.Replace(string(orig), listen(false), listen(on), 1)
		if err := os.WriteFile(path, []byte(y), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := a.Reload(); err != nil {
			t.Fatal(err)
		}
		a.mu.Lock()
		same := a.listeners[0] == first
		a.mu.Unlock()
		if !same {
			t.Fatalf("reload %d opened a new listener", i)
		}
		c := dialSilent(t, a.ProxyAddr())
		want := "01"
		if on {
			want = "03"
		}
		awaitState(t, c, want)
		if got := speak(t, c); got != http.StatusOK {
			t.Fatalf("reload %d: %d", i, got)
		}
	}
	if got := speak(t, kept); got != http.StatusOK {
		t.Fatalf("the connection accepted before the reloads: %d", got)
	}
}
