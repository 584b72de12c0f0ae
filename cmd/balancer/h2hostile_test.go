package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"balancer/internal/testutil"
)

// rawH2 is an HTTP/2 client connection that writes whatever frames a test
// gives it (golang.org/x/net/http2's Framer and hpack).
type rawH2 struct {
	c      net.Conn
	fr     *http2.Framer
	scheme string
	// mu orders writes: an attack writes while the reader acknowledges
	// the server's SETTINGS.
	mu  sync.Mutex
	buf bytes.Buffer
	enc *hpack.Encoder
}

// dialRawH2 opens a connection to addr and exchanges SETTINGS: with TLS
// and h2 chosen by ALPN when roots is not nil, else cleartext with prior
// knowledge.
func dialRawH2(t *testing.T, addr string, roots *x509.CertPool) *rawH2 {
	t.Helper()
	h := &rawH2{scheme: "http"}
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if roots != nil {
		tc := tls.Client(c, &tls.Config{RootCAs: roots, ServerName: "127.0.0.1", NextProtos: []string{"h2"}})
		_ = tc.SetDeadline(time.Now().Add(5 * time.Second))
		if err := tc.Handshake(); err != nil {
			t.Fatal(err)
		}
		if p := tc.ConnectionState().NegotiatedProtocol; p != "h2" {
			t.Fatalf("ALPN chose %q, want h2", p)
		}
		_ = tc.SetDeadline(time.Time{})
		c, h.scheme = tc, "https"
	}
	h.c, h.fr = c, http2.NewFramer(c, c)
	h.enc = hpack.NewEncoder(&h.buf)
	h.fr.ReadMetaHeaders = hpack.NewDecoder(64<<10, nil)
	h.fr.MaxHeaderListSize = 1 << 20
	if _, err := io.WriteString(c, http2.ClientPreface); err != nil {
		t.Fatal(err)
	}
	if err := h.fr.WriteSettings(); err != nil {
		t.Fatal(err)
	}
	return h
}

// block is the HPACK block of a GET of path with extra fields.
func (h *rawH2) block(path string, extra ...hpack.HeaderField) []byte {
	return h.blockOf("GET", path, extra...)
}

// blockOf is the HPACK block of a request of method to path with extra
// fields.
func (h *rawH2) blockOf(method, path string, extra ...hpack.HeaderField) []byte {
	h.buf.Reset()
	for _, f := range append([]hpack.HeaderField{
		{Name: ":method", Value: method}, {Name: ":scheme", Value: h.scheme},
		{Name: ":path", Value: path}, {Name: ":authority", Value: "hostile"},
	}, extra...) {
		_ = h.enc.WriteField(f)
	}
	return append([]byte(nil), h.buf.Bytes()...)
}

// headers writes a block as HEADERS and as many CONTINUATION frames of
// 4 KiB as it needs.
func (h *rawH2) headers(id uint32, b []byte, endStream bool) error {
	const max = 4 << 10
	h.mu.Lock()
	defer h.mu.Unlock()
	first := b[:min(len(b), max)]
	err := h.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: first, EndStream: endStream, EndHeaders: len(b) <= max})
	for rest := b[len(first):]; err == nil && len(rest) > 0; {
		k := min(len(rest), max)
		err = h.fr.WriteContinuation(id, k == len(rest), rest[:k])
		rest = rest[k:]
	}
	return err
}

// write writes one frame with f.
func (h *rawH2) write(f func(fr *http2.Framer) error) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return f(h.fr)
}

// outcome is what the server did with a connection, as read from it.
type outcome struct {
	goAway   *http2.ErrCode // nil: none
	closed   bool           // the server ended the connection
	statuses map[uint32]string
	resets   map[uint32]http2.ErrCode
}

// read reads frames until the server sends GOAWAY or closes the
// connection, until until reports true, or for at most 10 s.
func (h *rawH2) read(until func(outcome) bool) outcome {
	o := outcome{statuses: map[uint32]string{}, resets: map[uint32]http2.ErrCode{}}
	_ = h.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for until == nil || !until(o) {
		f, err := h.fr.ReadFrame()
		if err != nil {
			var ne net.Error
			o.closed = !(errors.As(err, &ne) && ne.Timeout())
			return o
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() {
				_ = h.write((*http2.Framer).WriteSettingsAck)
			}
		case *http2.GoAwayFrame:
			code := f.ErrCode
			o.goAway = &code
			return o
		case *http2.RSTStreamFrame:
			o.resets[f.StreamID] = f.ErrCode
		case *http2.MetaHeadersFrame:
			o.statuses[f.StreamID] = f.PseudoValue("status")
		}
	}
	return o
}

func (o outcome) String() string {
	g := "none"
	if o.goAway != nil {
		g = o.goAway.String()
	}
	return fmt.Sprintf("GOAWAY %s, closed %t, %d answers, %d resets", g, o.closed, len(o.statuses), len(o.resets))
}

// inFlight is the sum of balancer_member_in_flight in the manager's
// /metrics (-1 when unreachable).
func inFlight(mgr string) float64 {
	resp, err := quick.Get("http://" + mgr + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	sum := 0.0
	s := bufio.NewScanner(resp.Body)
	s.Buffer(nil, 1<<20)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "balancer_member_in_flight{"); ok {
			_, v, _ := strings.Cut(rest, "} ")
			f, _ := strconv.ParseFloat(v, 64)
			sum += f
		}
	}
	return sum
}

// TestH2HostileFrames: HTTP/2's own attacks against the real binary, each
// on a connection of its own, on the TLS listener (h2 by ALPN) and on the
// h2c one, while well-behaved clients (HTTP/2 over TLS, h2c and HTTP/1.1)
// keep being served; nothing of an attack reaches a member, and the
// balancer's memory stays flat.
func TestH2HostileFrames(t *testing.T) {
	m := testutil.StartMember(t, "node1")
	cert, key, roots := testutil.SelfSigned(t, t.TempDir(), "balancer")
	addr, tlsAddr, mgr := freeAddr(t), freeAddr(t), freeAddr(t)
	// bodytimeout is short, and retrybuffer below the stalled body's
	// 100,000 bytes so that it streams to the member; no other request has
	// a body.
	file := writeFile(t, "balancer.yaml", fmt.Sprintf(`
listen:
  - addr: %q
    h2c: true
  - addr: %q
    tls: {cert: %q, key: %q}
manager:
  listen: %q
limits:
  maxconcurrentstreams: 8
  bodytimeout: 500ms
  bodyminrate: 0
balancers:
  - name: c
    retrybuffer: 1KiB
    members:
      - {url: %q, route: node1}
routes:
  - {path: /, balancer: c}
`, addr, tlsAddr, cert, key, mgr, m.URL))
	p := startBinary(t, addr, "-config", file)
	waitListening(t, tlsAddr, p)
	waitListening(t, mgr, p)
	defer p.logOnFailure(t)
	protos := new(http.Protocols)
	protos.SetUnencryptedHTTP2(true)
	h2c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Protocols: protos}}
	h2 := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: roots}, ForceAttemptHTTP2: true}}
	h1 := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{}}
	wellBehaved := []struct {
		c     *http.Client
		url   string
		major int
	}{
		{h2, "https://" + tlsAddr + "/well-behaved", 2},
		{h2c, "http://" + addr + "/well-behaved", 2},
		{h1, "http://" + addr + "/well-behaved", 1},
	}
	for _, w := range wellBehaved {
		defer w.c.CloseIdleConnections()
	}
	served := func(t *testing.T, what string) {
		t.Helper()
		for _, w := range wellBehaved {
			resp, err := w.c.Get(w.url)
			if err != nil {
				t.Fatalf("%s: a well-behaved client: %v", what, err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || resp.ProtoMajor != w.major {
				t.Fatalf("%s: a well-behaved client of %s got %d over %s", what, w.url, resp.StatusCode, resp.Proto)
			}
		}
	}
	attacks := func() int {
		n := 0
		for _, s := range m.Seen() {
			if !strings.HasPrefix(s.URI, "/well-behaved") {
				n++
			}
		}
		return n
	}
	// Warm up, so that the memory compared is that of a serving process.
	for range 50 {
		served(t, "warm-up")
	}
	rssBefore := procStatus(t, p.cmd.Process.Pid, "VmRSS")

	cases := []struct {
		name string
		run  func(t *testing.T, h *rawH2) outcome
		// check says what is wrong with the outcome, or "".
		check func(o outcome) string
	}{{
		// A header block split over CONTINUATION frames, well formed: the
		// control that shows the frames below are refused for what they
		// are, not for how they are written.
		name: "control: one request over HEADERS and CONTINUATION",
		run: func(t *testing.T, h *rawH2) outcome {
			b := h.block("/control", hpack.HeaderField{Name: "x-pad", Value: strings.Repeat("p", 12000)})
			if err := h.headers(1, b, true); err != nil {
				t.Fatal(err)
			}
			return h.read(func(o outcome) bool { return o.statuses[1] != "" })
		},
		check: func(o outcome) string {
			if o.statuses[1] != "200" {
				return "want 200"
			}
			return ""
		},
	}, {
		// CVE-2023-44487: streams opened and reset at once, thousands of
		// them, each a request the server must start.
		name: "rapid reset",
		run: func(t *testing.T, h *rawH2) outcome {
			go func() {
				for i := range 20000 {
					id := uint32(2*i + 1)
					rst := func(fr *http2.Framer) error { return fr.WriteRSTStream(id, http2.ErrCodeCancel) }
					if h.headers(id, h.block("/rapid"), true) != nil || h.write(rst) != nil {
						return
					}
				}
			}()
			return h.read(nil)
		},
		check: func(o outcome) string {
			if o.goAway == nil || *o.goAway != http2.ErrCodeEnhanceYourCalm {
				return "want GOAWAY ENHANCE_YOUR_CALM before the 20,000 streams are through"
			}
			return ""
		},
	}, {
		// CVE-2024-27316: a header block that never ends, CONTINUATION
		// after CONTINUATION; the server must stop reading it once it is
		// past maxheaderbytes, not buffer it.
		name: "CONTINUATION flood",
		run: func(t *testing.T, h *rawH2) outcome {
			frag := h.block("/flood", hpack.HeaderField{Name: "x-flood", Value: strings.Repeat("f", 8000)})
			go func() {
				open := func(fr *http2.Framer) error {
					return fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: frag, EndStream: true})
				}
				if h.write(open) != nil {
					return
				}
				// A literal field "f" with a 254-byte value, not indexed.
				one := append([]byte{0x00, 0x01, 'f', 0x7f, 0x7f}, bytes.Repeat([]byte{'f'}, 254)...)
				chunk := bytes.Repeat(one, 60)
				more := func(fr *http2.Framer) error { return fr.WriteContinuation(1, false, chunk) }
				for range 10000 { // 160 MB if nobody stops it
					if h.write(more) != nil {
						return
					}
				}
			}()
			return h.read(nil)
		},
		check: func(o outcome) string {
			if o.goAway == nil && !o.closed {
				return "want the connection ended"
			}
			return ""
		},
	}, {
		// One header list over maxheaderbytes (16 KiB): a 64 KiB cookie.
		name: "oversized header list",
		run: func(t *testing.T, h *rawH2) outcome {
			b := h.block("/oversized", hpack.HeaderField{Name: "cookie", Value: "JSESSIONID=" + strings.Repeat("c", 64<<10)})
			if err := h.headers(1, b, true); err != nil {
				t.Fatal(err)
			}
			return h.read(func(o outcome) bool { return o.statuses[1] != "" || len(o.resets) > 0 })
		},
		check: func(o outcome) string {
			if o.statuses[1] == "431" || o.goAway != nil || o.closed || len(o.resets) > 0 {
				return ""
			}
			return "want 431, a reset or the connection ended"
		},
	}, {
		// An HPACK bomb: one 4 KB dynamic-table entry referenced 20,000
		// times, 20 KB on the wire that decode to 80 MB.
		name: "HPACK bomb",
		run: func(t *testing.T, h *rawH2) outcome {
			b := h.block("/bomb", hpack.HeaderField{Name: "x-bomb", Value: strings.Repeat("b", 4000)})
			for range 20000 {
				b = append(b, 0x80|62) // the newest dynamic entry
			}
			go h.headers(1, b, true)
			return h.read(func(o outcome) bool { return o.statuses[1] != "" || len(o.resets) > 0 })
		},
		check: func(o outcome) string {
			if o.statuses[1] == "200" {
				return "the bomb was answered 200"
			}
			if o.statuses[1] == "" && o.goAway == nil && !o.closed && len(o.resets) == 0 {
				return "want a refusal"
			}
			return ""
		},
	}, {
		// More streams at once than maxconcurrentstreams (8), the first 8
		// held at the member: the ninth is refused, the eight answered.
		name: "streams over maxconcurrentstreams",
		run: func(t *testing.T, h *rawH2) outcome {
			arrived, release := m.Hold()
			defer release()
			for i := range 8 {
				if err := h.headers(uint32(2*i+1), h.block("/held"), true); err != nil {
					t.Fatal(err)
				}
			}
			for range 8 {
				testutil.Receive(t, arrived, "a held stream at the member")
			}
			if err := h.headers(17, h.block("/ninth"), true); err != nil {
				t.Fatal(err)
			}
			o := h.read(func(o outcome) bool { _, ok := o.resets[17]; return ok })
			release()
			o2 := h.read(func(o outcome) bool { return len(o.statuses) == 8 })
			o2.resets = o.resets
			return o2
		},
		check: func(o outcome) string {
			if c, ok := o.resets[17]; !ok || (c != http2.ErrCodeRefusedStream && c != http2.ErrCodeProtocol) {
				return "want the ninth stream reset (REFUSED_STREAM or PROTOCOL_ERROR)"
			}
			if len(o.statuses) != 8 {
				return "want the eight held streams answered"
			}
			return ""
		},
	}, {
		// A POST that announces 100,000 bytes, sends 40,000 (within the
		// stream's flow-control window) and then nothing: past
		// retrybuffer, its head and first bytes stream to the member,
		// whose slot is taken; bodytimeout ends the stream with 408, cuts
		// the member connection and gives the slot back.
		name: "stalled body",
		run: func(t *testing.T, h *rawH2) outcome {
			b := h.blockOf("POST", "/stalled", hpack.HeaderField{Name: "content-length", Value: "100000"})
			if err := h.headers(1, b, false); err != nil {
				t.Fatal(err)
			}
			data := func(fr *http2.Framer) error { return fr.WriteData(1, false, bytes.Repeat([]byte{'a'}, 40000)) }
			if err := h.write(data); err != nil {
				t.Fatal(err)
			}
			testutil.Eventually(t, "the stalled request in flight to the member", func() bool { return inFlight(mgr) == 1 })
			o := h.read(func(o outcome) bool { return o.statuses[1] != "" || len(o.resets) > 0 })
			testutil.Eventually(t, "the member's slot given back", func() bool { return inFlight(mgr) == 0 })
			return o
		},
		check: func(o outcome) string {
			if o.statuses[1] != "408" {
				return "want 408"
			}
			return ""
		},
	}}
	listeners := []struct {
		name, addr string
		roots      *x509.CertPool
	}{{"h2c", addr, nil}, {"tls", tlsAddr, roots}}
	for _, l := range listeners {
		for _, c := range cases {
			t.Run(l.name+"/"+c.name, func(t *testing.T) {
				before := attacks()
				h := dialRawH2(t, l.addr, l.roots)
				o := c.run(t, h)
				t.Logf("%s: %v", c.name, o)
				if msg := c.check(o); msg != "" {
					t.Errorf("%s: %s; got %v", c.name, msg, o)
				}
				served(t, c.name)
				reached := attacks() - before
				t.Logf("%s: %d of its requests reached the member", c.name, reached)
				switch {
				case strings.HasPrefix(c.name, "control"):
					if reached != 1 {
						t.Errorf("the control request reached the member %d times, want 1", reached)
					}
				case c.name == "streams over maxconcurrentstreams":
					if reached != 8 {
						t.Errorf("%d requests reached the member, want the 8 allowed", reached)
					}
				case c.name == "stalled body":
					// The head reached the member; the member records it once
					// the balancer has cut the body short.
					testutil.Eventually(t, "the stalled request at the member", func() bool { return attacks()-before == 1 })
				case c.name == "rapid reset":
					// Streams the server started before it gave up may reach
					// the member; their number is bounded by the server's
					// patience, not by the attacker's 20,000.
					if reached > 1000 {
						t.Errorf("%d of the reset streams reached the member", reached)
					}
				default:
					if reached != 0 {
						t.Errorf("%d requests of the attack reached the member", reached)
					}
				}
			})
		}
	}
	// 64 MiB is far above what the serving process needs (about 20 MiB)
	// and far below what any of the attacks would cost if the balancer
	// kept what it was sent (160 MB of CONTINUATION, 80 MB of decoded
	// headers).
	rssAfter := procStatus(t, p.cmd.Process.Pid, "VmRSS")
	t.Logf("VmRSS %d kB before the attacks, %d kB after", rssBefore, rssAfter)
	if rssAfter-rssBefore > 64<<10 {
		t.Errorf("VmRSS grew from %d kB to %d kB", rssBefore, rssAfter)
	}
}
