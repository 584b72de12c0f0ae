package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"balancer/internal/testutil"
)

// The body matrix: every framing × size × pace × member behaviour ×
// method, over raw TCP against the real binary. The expected outcome of
// each case is a pure function of the case (expectBody), so the rules are
// written once, below, and every case proves them.

const (
	matrixRetryBuffer = 4 << 10
	matrixMaxBody     = 64 << 10
	// readheadertimeout: short, but long enough for the head of every
	// concurrent case to be read by a race-instrumented process on a
	// loaded machine (300ms was not).
	matrixHeaderTimeout = time.Second
	// A trickled body comes after the head in four writes, each after a
	// pause longer than readheadertimeout: over 4 × readheadertimeout in
	// all.
	trickleParts = 4
	trickleGap   = matrixHeaderTimeout + 50*time.Millisecond
	// matrixConcurrency bounds the cases in flight at once.
	matrixConcurrency = 48
)

type framing int

const (
	contentLength framing = iota
	chunked
)

func (f framing) String() string { return [...]string{"CL", "chunked"}[f] }

type pace int

const (
	atOnce pace = iota
	trickled
)

func (p pace) String() string { return [...]string{"at-once", "trickled"}[p] }

// matrixSizes: small, exactly retrybuffer, above it (streamed, cannot be
// replayed), above maxbodysize.
var matrixSizes = []int{1 << 10, matrixRetryBuffer, matrixRetryBuffer + 6<<10, matrixMaxBody + 16<<10}

func sizeName(n int) string {
	switch n {
	case matrixRetryBuffer:
		return "=retrybuffer"
	case matrixRetryBuffer + 6<<10:
		return ">retrybuffer"
	case matrixMaxBody + 16<<10:
		return ">maxbodysize"
	}
	return fmt.Sprintf("%dKiB", n>>10)
}

type bodyCase struct {
	framing framing
	size    int
	pace    pace
	member  testutil.Behaviour
	method  string
}

func (c bodyCase) String() string {
	return fmt.Sprintf("%s/%s/%s/%s/%s", c.framing, sizeName(c.size), c.pace, c.member, c.method)
}

// receipt is what a member received of the case's request.
type receipt int

const (
	nothing      receipt = iota // no request head at all
	whole                       // one complete request, body byte for byte
	cut                         // a request head and part of its body, never complete
	cutOrNothing                // a cut request or nothing, never a complete one
)

func (r receipt) String() string {
	return [...]string{"nothing", "the whole body", "a cut request", "a cut request or nothing"}[r]
}

// connFate is what becomes of the client connection after the answer.
type connFate int

const (
	kept   connFate = iota // open: a follow-up request on it gets its own answer
	closed                 // closed (lingering): the follow-up gets end-of-file or a reset
	// closedOrKept: closed, or kept because the rest of the body had
	// already arrived and was drained (up to 64 KiB, without waiting);
	// whichever it is, a follow-up request is never answered wrongly.
	closedOrKept
)

func (f connFate) String() string { return [...]string{"kept", "closed", "closed or kept"}[f] }

type bodyOutcome struct {
	status  []int    // the client's status (one, except where a race is inherent)
	primary receipt  // the member the session names
	backup  receipt  // the member a retry goes to
	conn    connFate // the client connection
}

// expectBody is the rule book:
//
//   - Above maxbodysize with Content-Length: 413 before any byte is
//     forwarded; no member sees anything; the connection is closed (the
//     body is unread).
//   - Above maxbodysize, chunked: 413 once the limit is passed; the part
//     already streamed reaches the member as a cut request, never a
//     complete one; the connection is closed. When the member dies while
//     the body streams, whichever comes first decides: 413 or 502.
//   - A member that reads all (and one that closed its idle pooled
//     connection: the request goes out on a fresh connection, whatever
//     the method): 200, the member has the body byte for byte, the
//     connection stays open.
//   - A member that answers before reading: its 403 reaches the client,
//     the member still receives the whole body (it reads it after
//     answering), the connection stays open (the balancer read the body).
//   - A member that dies mid-body: idempotent methods (GET, PUT) whose
//     body fitted in retrybuffer are sent again to the other member (200,
//     it has the whole body, the connection stays open); everything else
//     gets 502. A body that fitted in retrybuffer was read whole before
//     forwarding, so the connection stays open; a streamed body's rest
//     is drained when it has already arrived (the connection stays open)
//     or else the connection is closed.
//
// Trickled bodies follow the same rules as bodies sent at once: the body
// has its own per-read idle timeout (limits.bodytimeout), not
// readheadertimeout. Whatever the case, the process lives, and no byte of
// the body is ever parsed as a request.
func expectBody(c bodyCase) bodyOutcome {
	over := c.size > matrixMaxBody
	buffered := c.size <= matrixRetryBuffer
	replayable := buffered && (c.method == "GET" || c.method == "PUT")
	switch {
	case over && c.framing == contentLength:
		return bodyOutcome{status: []int{413}, primary: nothing, backup: nothing, conn: closed}
	case over && c.member == testutil.DiesMidBody:
		return bodyOutcome{status: []int{413, 502}, primary: cut, backup: nothing, conn: closed}
	case over:
		return bodyOutcome{status: []int{413}, primary: cutOrNothing, backup: nothing, conn: closed}
	case c.member == testutil.ReadsAll, c.member == testutil.ClosesIdle:
		return bodyOutcome{status: []int{200}, primary: whole, backup: nothing, conn: kept}
	case c.member == testutil.AnswersEarly:
		return bodyOutcome{status: []int{403}, primary: whole, backup: nothing, conn: kept}
	case replayable:
		return bodyOutcome{status: []int{200}, primary: cut, backup: whole, conn: kept}
	case buffered:
		return bodyOutcome{status: []int{502}, primary: cut, backup: nothing, conn: kept}
	default:
		return bodyOutcome{status: []int{502}, primary: cut, backup: nothing, conn: closedOrKept}
	}
}

func bodyMatrix() []bodyCase {
	var cases []bodyCase
	for _, f := range []framing{contentLength, chunked} {
		for _, size := range matrixSizes {
			for _, p := range []pace{atOnce, trickled} {
				for _, m := range []testutil.Behaviour{testutil.ReadsAll, testutil.AnswersEarly, testutil.DiesMidBody, testutil.ClosesIdle} {
					for _, method := range []string{"GET", "PUT", "POST"} {
						cases = append(cases, bodyCase{f, size, p, m, method})
					}
				}
			}
		}
	}
	return cases
}

// smuggleBody is a body of n bytes made of requests for /smuggled on the
// case's route: if any part of it were ever read as a request, the member
// would record it.
func smuggleBody(route string, n int) []byte {
	unit := "GET " + route + "/smuggled HTTP/1.1\r\nHost: edge\r\n\r\n"
	return []byte(strings.Repeat(unit, n/len(unit)+1)[:n])
}

// encodeBody frames body: Content-Length as is, chunked in chunks of at
// most 1000 bytes.
func encodeBody(f framing, body []byte) []byte {
	if f == contentLength {
		return body
	}
	var b bytes.Buffer
	for rest := body; len(rest) > 0; {
		k := min(len(rest), 1000)
		fmt.Fprintf(&b, "%x\r\n%s\r\n", k, rest[:k])
		rest = rest[k:]
	}
	b.WriteString("0\r\n\r\n")
	return b.Bytes()
}

// requestParts is the request as the client writes it: head and body in
// one write, or the head and then the body in trickleParts writes.
func requestParts(c bodyCase, route string, body []byte) [][]byte {
	head := fmt.Sprintf("%s %s/case HTTP/1.1\r\nHost: edge\r\nCookie: JSESSIONID=s1.p\r\n", c.method, route)
	if c.framing == contentLength {
		head += fmt.Sprintf("Content-Length: %d\r\n\r\n", len(body))
	} else {
		head += "Transfer-Encoding: chunked\r\n\r\n"
	}
	enc := encodeBody(c.framing, body)
	if c.pace == atOnce {
		return [][]byte{append([]byte(head), enc...)}
	}
	parts := [][]byte{[]byte(head)}
	step := (len(enc) + trickleParts - 1) / trickleParts
	for len(enc) > 0 {
		k := min(step, len(enc))
		parts = append(parts, enc[:k])
		enc = enc[k:]
	}
	return parts
}

// matrixYAML configures one balancer per case (members: the case's
// member with route p, and a member that reads all with route b, for
// retries) and a route /alive for liveness checks.
func matrixYAML(addr, mgr, alive string, primaries, backups []*testutil.RawMember) string {
	var b strings.Builder
	fmt.Fprintf(&b, "listen: %q\nmanager:\n  listen: %q\nlimits:\n  readheadertimeout: %s\n  maxbodysize: %d\n",
		addr, mgr, matrixHeaderTimeout, matrixMaxBody)
	fmt.Fprintf(&b, "balancers:\n  - name: alive\n    members:\n      - url: %s\n", alive)
	for i := range primaries {
		fmt.Fprintf(&b, "  - name: c%d\n    stickysession: JSESSIONID\n    retrybuffer: %d\n    members:\n", i, matrixRetryBuffer)
		fmt.Fprintf(&b, "      - url: %s\n        route: p\n      - url: %s\n        route: b\n", primaries[i].URL, backups[i].URL)
	}
	b.WriteString("routes:\n  - path: /alive\n    balancer: alive\n")
	for i := range primaries {
		fmt.Fprintf(&b, "  - path: /c%d\n    balancer: c%d\n", i, i)
	}
	return b.String()
}

func TestBodyMatrix(t *testing.T) {
	cases := bodyMatrix()
	alive := testutil.StartMember(t, "alive")
	primaries := make([]*testutil.RawMember, len(cases))
	backups := make([]*testutil.RawMember, len(cases))
	for i, c := range cases {
		primaries[i] = testutil.StartRawMember(t, c.member)
		backups[i] = testutil.StartRawMember(t, testutil.ReadsAll)
	}
	addr, mgr := freeAddr(t), freeAddr(t)
	cfg := writeFile(t, "matrix.yaml", matrixYAML(addr, mgr, alive.URL, primaries, backups))
	p := startEdgeProc(t, addr, cfg)
	const followUp = "GET /alive/follow HTTP/1.1\r\nHost: edge\r\n\r\n"

	// The exchanges run matrixConcurrency at a time (a trickled one takes
	// seconds; t.Parallel would run only GOMAXPROCS of them at a time);
	// the assertions follow, case by case.
	runs := make([]bodyRun, len(cases))
	var wg sync.WaitGroup
	slots := make(chan struct{}, matrixConcurrency)
	for i, c := range cases {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer func() { <-slots; wg.Done() }()
			runs[i] = runBodyCase(addr, fmt.Sprintf("/c%d", i), c, primaries[i], followUp)
			runs[i].procAlive = p.Alive()
		}()
	}
	wg.Wait()
	for i, c := range cases {
		t.Run(c.String(), func(t *testing.T) {
			r, want := runs[i], expectBody(c)
			if r.warm != "" {
				t.Fatal(r.warm)
			}
			res := r.res
			if !slices.Contains(want.status, res.Status) {
				t.Errorf("status %d (%v), want %v", res.Status, res.Err, want.status)
			}
			if res.Status == 200 && res.Header.Get("X-Body-Sha256") != r.sum {
				t.Errorf("the member answered for a body of %s bytes, sent %d", res.Header.Get("X-Body-Len"), c.size)
			}
			switch {
			case want.conn == closed && !res.Closed:
				t.Errorf("the connection stayed open (follow-up got %d, %v)", res.FollowStatus, res.Err)
			case want.conn == kept && res.Closed:
				t.Error("the connection was closed")
			case !res.Closed && res.FollowStatus != 200:
				t.Errorf("follow-up request on the same connection: %d (%v)", res.FollowStatus, res.Err)
			}
			checkReceipt(t, "member p", primaries[i], want.primary, c.size, r.sum)
			checkReceipt(t, "member b", backups[i], want.backup, c.size, r.sum)
			if !r.procAlive {
				t.Error("the balancer process had exited after this case")
			}
			if r.aliveStatus != 200 {
				t.Errorf("request on a new connection after the case: %d", r.aliveStatus)
			}
			for _, m := range []*testutil.RawMember{primaries[i], backups[i]} {
				for _, q := range m.Requests() {
					if strings.Contains(q.URI, "smuggled") {
						t.Errorf("a request in the body reached a member: %s %s", q.Method, q.URI)
					}
				}
			}
		})
	}
	if !p.Alive() {
		t.Fatalf("the balancer process exited:\n%s", tail(p.Stderr(), 3000))
	}
	for _, s := range alive.Seen() {
		if strings.Contains(s.URI, "smuggled") {
			t.Errorf("a request in a body reached the alive member: %s", s.URI)
		}
	}
	t.Logf("%d cases", len(cases))
}

// bodyRun is what one case's exchange produced.
type bodyRun struct {
	warm        string // why the warm-up failed
	res         testutil.RawResult
	sum         string // the body's sha256
	aliveStatus int    // a request on a new connection right after
	procAlive   bool
}

// runBodyCase sends the case's request (after a warm-up request that
// leaves a pooled connection for a member that closes it when idle),
// then a request on a new connection.
func runBodyCase(addr, route string, c bodyCase, primary *testutil.RawMember, followUp string) (r bodyRun) {
	if c.member == testutil.ClosesIdle {
		warm := testutil.RawExchange(addr, [][]byte{[]byte("GET " + route + "/warm HTTP/1.1\r\nHost: edge\r\nCookie: JSESSIONID=s1.p\r\n\r\n")}, 0, "")
		if warm.Status != 200 {
			r.warm = fmt.Sprintf("warm-up request: status %d (%v)", warm.Status, warm.Err)
			return r
		}
		select {
		case <-primary.IdleClosed:
		case <-time.After(5 * time.Second):
			r.warm = "the member did not close its idle connection"
			return r
		}
	}
	body := smuggleBody(route, c.size)
	sum := sha256.Sum256(body)
	r.sum = hex.EncodeToString(sum[:])
	gap := time.Duration(0)
	if c.pace == trickled {
		gap = trickleGap
	}
	r.res = testutil.RawExchange(addr, requestParts(c, route, body), gap, followUp)
	r.aliveStatus, _, _ = getStatus(addr, "/alive/after")
	return r
}

// checkReceipt waits until the member's record of /case matches want.
func checkReceipt(t *testing.T, who string, m *testutil.RawMember, want receipt, n int, hexSum string) {
	t.Helper()
	got := func() (complete, partial int, bad string) {
		for _, r := range m.Requests() {
			if !strings.HasSuffix(r.URI, "/case") {
				continue
			}
			switch {
			case !r.Complete:
				partial++
			case r.Len != n || r.Sha256 != hexSum:
				bad = fmt.Sprintf("a complete request with %d bytes that differ from the %d sent", r.Len, n)
			default:
				complete++
			}
		}
		return
	}
	describe := func() string {
		c, p, bad := got()
		return fmt.Sprintf("%s received %d complete and %d cut requests %s, want %s", who, c, p, bad, want)
	}
	verdict := func(c, p int) (ok, final bool) {
		switch want {
		case nothing:
			ok, final = c == 0 && p == 0, c+p > 0
		case whole:
			ok, final = c == 1 && p == 0, c > 1 || p > 0
		case cut:
			ok, final = c == 0 && p == 1, c > 0 || p > 1
		case cutOrNothing:
			ok, final = c == 0 && p <= 1, c > 0 || p > 1
		}
		return ok, final
	}
	settled := false
	defer func() {
		if !settled {
			t.Log(describe())
		}
	}()
	testutil.Eventually(t, fmt.Sprintf("%s's record settled (want %s)", who, want), func() bool {
		c, p, bad := got()
		ok, final := verdict(c, p)
		// "nothing" and "cut or nothing" hold now or never change for
		// the better: only a wanted record is waited for.
		return bad != "" || final || ok && (want == nothing || want == cutOrNothing || c+p > 0)
	})
	settled = true
	c, p, bad := got()
	if ok, final := verdict(c, p); bad != "" || final || !ok {
		t.Error(describe())
	}
}

// getStatus sends a GET on a new connection and returns its status.
func getStatus(addr, path string) (int, []byte, error) {
	res := testutil.RawExchange(addr, [][]byte{[]byte("GET " + path + " HTTP/1.1\r\nHost: edge\r\nConnection: close\r\n\r\n")}, 0, "")
	return res.Status, res.Body, res.Err
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
