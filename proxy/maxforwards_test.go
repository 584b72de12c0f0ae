package proxy

import (
	"strings"
	"testing"

	"balancer/internal/testutil"
)

// TestMaxForwards: OPTIONS and TRACE with Max-Forwards 0 end at the
// balancer (OPTIONS answered, TRACE refused, no echo), a larger value
// reaches the member one less, a value that is not a number is a 400;
// other methods' Max-Forwards, and a request without one, go on as sent.
func TestMaxForwards(t *testing.T) {
	m := testutil.StartRawMember(t, testutil.ReadsAll)
	_, base := startProxy(t, "balancers:\n  - name: c\n    members:\n      - url: "+m.URL+"\nroutes:\n  - path: /\n    balancer: c\n")
	addr := strings.TrimPrefix(base, "http://")
	cases := []struct {
		method, maxForwards string
		status              int
		// member is the Max-Forwards line the member must see ("": no
		// line; "-": no request at all).
		member string
	}{
		{"OPTIONS", "0", 200, "-"},
		{"TRACE", "0", 405, "-"},
		{"OPTIONS", "3", 200, "Max-Forwards: 2"},
		{"TRACE", "1", 200, "Max-Forwards: 0"},
		{"OPTIONS", "x1", 400, "-"},
		{"OPTIONS", "", 200, ""},
		{"GET", "0", 200, "Max-Forwards: 0"},
	}
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.maxForwards, func(t *testing.T) {
			m.Reset()
			raw := tc.method + " /a HTTP/1.1\r\nHost: x\r\n"
			if tc.maxForwards != "" {
				raw += "Max-Forwards: " + tc.maxForwards + "\r\n"
			}
			res := testutil.RawExchange(addr, [][]byte{[]byte(raw + "\r\n")}, 0, "")
			if res.Status != tc.status {
				t.Fatalf("status %d (%v), want %d", res.Status, res.Err, tc.status)
			}
			got := m.Requests()
			if tc.member == "-" {
				if len(got) != 0 {
					t.Fatalf("the member received %q", got[0].Raw)
				}
				if tc.status != 400 && !strings.Contains(res.Header.Get("Allow"), "GET") {
					t.Errorf("Allow %q, want the methods the balancer forwards", res.Header.Get("Allow"))
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("the member received %d requests, want 1", len(got))
			}
			line := ""
			for _, l := range strings.Split(string(got[0].Raw), "\r\n") {
				if strings.HasPrefix(strings.ToLower(l), "max-forwards:") {
					line = l
				}
			}
			if line != tc.member {
				t.Errorf("the member saw %q, want %q", line, tc.member)
			}
		})
	}
}
