package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// kind is the sort of request a worker sends.
type kind int

const (
	stickyGet kind = iota // GET with a session cookie naming a route
	plainGet              // GET without a cookie: the lbmethod chooses
	post                  // POST with a small form body
)

func (k kind) method() string {
	if k == post {
		return "POST"
	}
	return "GET"
}

// stats gathers what the workers saw, interval by interval.
type stats struct {
	mu  sync.Mutex
	cur sample
	// reasons counts lost requests by reason over the whole run.
	reasons map[string]int
	// totals over the whole run.
	total sample
}

func newStats() *stats { return &stats{reasons: map[string]int{}} }

func (st *stats) record(k kind, d time.Duration, lost string, moved bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, s := range []*sample{&st.cur, &st.total} {
		s.requests++
		if moved {
			s.moved++
		}
		if lost != "" {
			if k == post {
				s.postLost++
			} else {
				s.getLost++
			}
		}
		if k == post {
			s.posts++
		} else {
			s.gets++
		}
	}
	st.cur.lat = append(st.cur.lat, d)
	st.total.lat = append(st.total.lat, d)
	if lost != "" {
		st.reasons[k.method()+": "+lost]++
	}
}

func (st *stats) killed() {
	st.mu.Lock()
	st.cur.kills++
	st.total.kills++
	st.mu.Unlock()
}

// take returns the interval so far and starts the next one.
func (st *stats) take() sample {
	st.mu.Lock()
	defer st.mu.Unlock()
	s := st.cur
	st.cur = sample{lat: make([]time.Duration, 0, len(s.lat))}
	slices.Sort(s.lat)
	return s
}

// startLoad runs s.conns workers until ctx ends; done is closed when they
// have all stopped.
func startLoad(ctx context.Context, s *settings, st *stats) (done chan struct{}) {
	done = make(chan struct{})
	var wg sync.WaitGroup
	period := time.Duration(float64(time.Second) * float64(s.conns) / float64(s.rate))
	for i := 0; i < s.conns; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := &worker{addr: s.addr, rnd: rand.New(rand.NewPCG(uint64(i), 0x50a4)), sessions: s.sessions, routes: len(s.members)}
			defer w.close()
			// Spread the workers' first requests over one period.
			next := time.Now().Add(period * time.Duration(i) / time.Duration(s.conns))
			for {
				select {
				case <-ctx.Done():
					return
				case <-time.After(time.Until(next)):
				}
				next = next.Add(period)
				if late := time.Since(next); late > period {
					next = time.Now() // behind: do not burst to catch up
				}
				k, d, lost, moved := w.one()
				if ctx.Err() != nil && lost != "" {
					return // cut by the end of the run, not by the balancer
				}
				st.record(k, d, lost, moved)
			}
		}()
	}
	go func() { wg.Wait(); close(done) }()
	return done
}

// worker is one client keep-alive connection.
type worker struct {
	addr     string
	rnd      *rand.Rand
	sessions int
	routes   int
	c        net.Conn
	br       *bufio.Reader
	buf      []byte
}

func (w *worker) close() {
	if w.c != nil {
		w.c.Close()
		w.c = nil
	}
}

// one sends one request of a random kind and reports its kind, its
// duration, why it was lost ("" when it was not), and whether a sticky
// request was answered by another route than its session's.
func (w *worker) one() (k kind, d time.Duration, lost string, moved bool) {
	p := w.rnd.Float64()
	switch {
	case p < 0.70:
		k = stickyGet
	case p < 0.85:
		k = plainGet
	default:
		k = post
	}
	route := ""
	cookie := ""
	if k == stickyGet || (k == post && w.rnd.IntN(2) == 0) {
		id := w.rnd.IntN(w.sessions)
		route = fmt.Sprintf("node%d", id%w.routes+1)
		cookie = fmt.Sprintf("Cookie: JSESSIONID=soak%05x.%s\r\n", id, route)
	}
	b := w.buf[:0]
	var bodyLen int
	if k == post {
		bodyLen = 64 + w.rnd.IntN(1984)
		b = fmt.Appendf(b, "POST /soak/form HTTP/1.1\r\nHost: soak\r\n%sContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n", cookie, bodyLen)
		for i := 0; i < bodyLen; i++ {
			b = append(b, 'a'+byte(i%26))
		}
	} else {
		b = fmt.Appendf(b, "GET /soak/page?n=%d HTTP/1.1\r\nHost: soak\r\n%s\r\n", w.rnd.IntN(1000), cookie)
	}
	w.buf = b
	start := time.Now()
	got, err := w.roundTrip(b)
	d = time.Since(start)
	switch {
	case err != nil:
		return k, d, "connection: " + shortErr(err), false
	case got.status != 200:
		return k, d, fmt.Sprintf("status %d: %s", got.status, firstLine(got.body)), false
	case k == post && !strings.Contains(got.body, fmt.Sprintf(" len=%d\n", bodyLen)):
		return k, d, "POST body not delivered whole: " + firstLine(got.body), false
	}
	return k, d, "", route != "" && got.route != route
}

type answer struct {
	status int
	route  string
	body   string
}

// roundTrip writes one request and reads its response; on any error the
// connection is dropped and the next request opens a new one.
func (w *worker) roundTrip(req []byte) (answer, error) {
	if w.c == nil {
		c, err := net.DialTimeout("tcp", w.addr, 5*time.Second)
		if err != nil {
			return answer{}, err
		}
		w.c, w.br = c, bufio.NewReader(c)
	}
	_ = w.c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := w.c.Write(req); err != nil {
		w.close()
		return answer{}, err
	}
	resp, err := http.ReadResponse(w.br, nil)
	if err != nil {
		w.close()
		return answer{}, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		w.close()
		return answer{}, err
	}
	if resp.Close {
		w.close()
	}
	return answer{status: resp.StatusCode, route: resp.Header.Get("X-Route"), body: string(body)}, nil
}

func shortErr(err error) string {
	switch {
	case errors.Is(err, io.EOF):
		return "closed before a response"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "closed mid-response"
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		s = s[i+2:]
	}
	return s
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 80 {
		s = s[:80]
	}
	return s
}

// waitListening waits until addr accepts connections.
func waitListening(ctx context.Context, addr string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s does not accept connections: %w", addr, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
