package proxy

import (
	"net"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
)

// connOps carries fasthttp's pooled client connection type, which fasthttp
// does not export, by inference from the HostClient's methods.
type connOps[C interface {
	Conn() net.Conn
	LastUseTime() time.Time
}] struct {
	acquire func(*fasthttp.HostClient, time.Duration, bool) (C, error)
	release func(*fasthttp.HostClient, C)
	close   func(*fasthttp.HostClient, C)
	pool    *sync.Pool
}

func opsFor[C interface {
	Conn() net.Conn
	LastUseTime() time.Time
}](a func(*fasthttp.HostClient, time.Duration, bool) (C, error), r, c func(*fasthttp.HostClient, C)) connOps[C] {
	return connOps[C]{acquire: a, release: r, close: c, pool: &sync.Pool{}}
}

var ops = opsFor((*fasthttp.HostClient).AcquireConn, (*fasthttp.HostClient).ReleaseConn, (*fasthttp.HostClient).CloseConn)
