// Package accesslog writes one line per request: httpd's combined format
// followed by the balancer's decision (balancer, member route, sticky
// outcome, upstream time), or the same fields as JSON. The file is reopened
// on demand (SIGHUP/SIGUSR1) for logrotate.
package accesslog

import (
	"bufio"
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/valyala/fasthttp"

	"balancer/proxy"
)

// Log is an access log; it implements proxy.Observer. Lines are buffered
// and flushed every second and on Close.
type Log struct {
	path string
	json bool

	mu   sync.Mutex
	f    *os.File // nil for stderr
	w    *bufio.Writer
	buf  []byte
	done chan struct{}
	wg   sync.WaitGroup
}

var _ proxy.Observer = (*Log)(nil)

// Open opens the log at path ("stderr" for standard error) in the format
// "combined" (default) or "json".
func Open(path, format string) (*Log, error) {
	l := &Log{path: path, json: format == "json", done: make(chan struct{})}
	if err := l.open(); err != nil {
		return nil, err
	}
	l.wg.Add(1)
	go l.flusher()
	return l, nil
}

func (l *Log) open() error {
	var out io.Writer = os.Stderr
	var f *os.File
	if l.path != "stderr" && l.path != "" {
		var err error
		f, err = os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
		if err != nil {
			return err
		}
		out = f
	}
	if l.w != nil {
		l.w.Flush()
	}
	if l.f != nil {
		l.f.Close()
	}
	l.f, l.w = f, bufio.NewWriterSize(out, 64<<10)
	return nil
}

// Reopen closes and reopens the file, after logrotate moved it.
func (l *Log) Reopen() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open()
}

func (l *Log) flusher() {
	defer l.wg.Done()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			l.mu.Lock()
			l.w.Flush()
			l.mu.Unlock()
		case <-l.done:
			return
		}
	}
}

// Close flushes and closes the log.
func (l *Log) Close() error {
	close(l.done)
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	err := l.w.Flush()
	if l.f != nil {
		if e := l.f.Close(); err == nil {
			err = e
		}
	}
	return err
}

// Done implements proxy.Observer: it formats the line and appends it.
func (l *Log) Done(ctx *fasthttp.RequestCtx, r *proxy.Record) {
	l.mu.Lock()
	if l.json {
		l.buf = appendJSON(l.buf[:0], ctx, r)
	} else {
		l.buf = appendCombined(l.buf[:0], ctx, r)
	}
	l.w.Write(l.buf)
	l.mu.Unlock()
}

// fields common to both formats.
func memberRoute(r *proxy.Record) string {
	if r.Member == nil {
		return ""
	}
	return r.Member.Route
}

func balancerName(r *proxy.Record) string {
	if r.Balancer == nil {
		return ""
	}
	return r.Balancer.Name
}

// bodySize is the response body's size, or -1 for a stream of unknown
// length (chunked).
func bodySize(ctx *fasthttp.RequestCtx) int {
	if !ctx.Response.IsBodyStream() {
		return len(ctx.Response.Body())
	}
	return ctx.Response.Header.ContentLength()
}

func appendMillis(b []byte, d time.Duration) []byte {
	return strconv.AppendFloat(b, float64(d.Microseconds())/1000, 'f', 3, 64)
}
