package proxy

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
)

// Upgrade requests (WebSocket and others) are tunnelled to the member that
// stickiness and the lbmethod chose: the request goes out with its Upgrade
// headers, and once the member answers 101 both connections are joined
// until either side closes. The tunnel counts as busy on its member while
// open, outlives reloads (it holds no snapshot), and a graceful stop gives
// it the grace time before closing it.

// isUpgrade reports a WebSocket upgrade request (RFC 6455 §4.1). Other
// upgrades (h2c, TLS/1.x) are not tunnelled: their Upgrade and Connection
// headers are hop-by-hop, so the request goes on as plain HTTP/1.1, as
// nginx and httpd (without upgrade=…) forward it.
func isUpgrade(ctx *fasthttp.RequestCtx) bool {
	h := &ctx.Request.Header
	return h.ConnectionUpgrade() && hasToken(h.Peek(fasthttp.HeaderUpgrade), "websocket")
}

// hasToken reports whether the comma-separated list v holds tok
// (case-insensitively; a protocol version after "/" is ignored).
func hasToken(v []byte, tok string) bool {
	for len(v) > 0 {
		var t []byte
		if i := bytes.IndexByte(v, ','); i >= 0 {
			t, v = v[:i], v[i+1:]
		} else {
			t, v = v, nil
		}
		t = bytes.TrimSpace(t)
		if i := bytes.IndexByte(t, '/'); i >= 0 {
			t = t[:i]
		}
		if bytes.EqualFold(t, []byte(tok)) {
			return true
		}
	}
	return false
}

// tunnels tracks open tunnels for graceful shutdown.
type tunnels struct {
	mu    sync.Mutex
	open  map[*tunnel]struct{}
	wg    sync.WaitGroup
	close bool
}

type tunnel struct {
	client, member net.Conn
}

func (t *tunnels) add(tn *tunnel) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.close {
		return false
	}
	if t.open == nil {
		t.open = map[*tunnel]struct{}{}
	}
	t.open[tn] = struct{}{}
	t.wg.Add(1)
	return true
}

func (t *tunnels) remove(tn *tunnel) {
	t.mu.Lock()
	delete(t.open, tn)
	t.mu.Unlock()
	t.wg.Done()
}

// shutdown waits for tunnels to end until ctx is done, then cuts them.
func (t *tunnels) shutdown(ctx context.Context) {
	t.mu.Lock()
	t.close = true
	t.mu.Unlock()
	done := make(chan struct{})
	go func() { t.wg.Wait(); close(done) }()
	select {
	case <-done:
		return
	case <-ctx.Done():
	}
	t.mu.Lock()
	for tn := range t.open {
		tn.client.Close()
		tn.member.Close()
	}
	t.mu.Unlock()
	<-done
}

// Len returns how many tunnels are open.
func (t *tunnels) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.open)
}

// tunnel forwards an upgrade request to m and, on 101, joins the
// connections.
func (p *Proxy) tunnel(ctx *fasthttp.RequestCtx, rt *route, b *Balancer, m *Member, rq *request, e *edge) {
	req := &ctx.Request
	if !rq.in.done() {
		if rq.in.want != 0 {
			// A handshake is a GET without a body (RFC 6455 §4.1): bytes
			// after the head would be taken for the tunnel's first frame.
			ctx.SetConnectionClose()
			p.refuse(ctx, rq, fasthttp.StatusBadRequest, "upgrade request with a body")
			return
		}
		rq.in.eof = true
	}
	upgrade := append([]byte(nil), req.Header.Peek(fasthttp.HeaderUpgrade)...)
	prepareRequest(ctx, rq, e)
	req.Header.SetBytesV(fasthttp.HeaderUpgrade, upgrade)
	req.Header.Set(fasthttp.HeaderConnection, "Upgrade")
	if !rq.attempt(req, rt, m) {
		p.refuse(ctx, rq, fasthttp.StatusServiceUnavailable, "member at its limit of concurrent requests")
		return
	}
	start := time.Now()
	conn, br, closeConn, xerr := ops.upgrade(m.st, req, &ctx.Response, m.connTO, m.timeout)
	rq.rec.Upstream = time.Since(start)
	if xerr != nil {
		m.st.requestDone()
		p.memberFailed(b, m, xerr)
		status, reason := errorStatus(xerr)
		p.refuse(ctx, rq, status, reason)
		return
	}
	resp := &ctx.Response
	rq.rec.Member, rq.rec.Status = m, resp.StatusCode()
	if resp.StatusCode() != fasthttp.StatusSwitchingProtocols {
		// The member declined the upgrade: an ordinary response.
		closeConn()
		m.st.requestDone()
		cleanResponse(ctx, rq)
		return
	}
	head := resp.Header.AppendBytes(nil)
	resp.Reset()
	ctx.HijackSetNoResponse(true)
	st := m.st
	ctx.Hijack(func(client net.Conn) {
		defer st.requestDone()
		defer closeConn()
		tn := &tunnel{client: client, member: conn}
		if !p.tunnels.add(tn) {
			return
		}
		defer p.tunnels.remove(tn)
		_ = conn.SetDeadline(time.Time{})
		if _, err := client.Write(head); err != nil {
			return
		}
		join(client, conn, br)
	})
}

// join copies both ways until one side ends, then closes both so that the
// other copy ends too.
func join(client, member net.Conn, memberBuf *bufio.Reader) {
	done := make(chan struct{}, 2)
	go func() {
		io.Copy(member, client)
		closeWrite(member)
		done <- struct{}{}
	}()
	go func() {
		io.Copy(client, memberBuf)
		closeWrite(client)
		done <- struct{}{}
	}()
	<-done
	// Give the other direction a moment to finish a clean close.
	t := time.NewTimer(2 * time.Second)
	defer t.Stop()
	select {
	case <-done:
		client.Close()
		member.Close()
	case <-t.C:
		client.Close()
		member.Close()
		<-done
	}
}

func closeWrite(c net.Conn) {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	} else {
		c.Close()
	}
}
