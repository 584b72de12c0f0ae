package app

import (
	"crypto/tls"
	"fmt"
	"sync/atomic"

	"balancer/config"
)

// certs holds each TLS listener's certificate, swapped on reload so that
// a renewed certificate is served without a restart.
type certs struct {
	byAddr map[string]*atomic.Pointer[tls.Certificate]
}

// loadCert reads a listener's certificate and key.
func loadCert(t *config.TLS) (*tls.Certificate, error) {
	c, err := tls.LoadX509KeyPair(t.Cert, t.Key)
	if err != nil {
		return nil, fmt.Errorf("tls certificate %s: %w", t.Cert, err)
	}
	return &c, nil
}

// tlsConfig returns modern server defaults (TLS 1.2+, Go's cipher
// preferences) serving the listener's current certificate.
func tlsConfig(cur *atomic.Pointer[tls.Certificate]) *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"http/1.1"},
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return cur.Load(), nil
		},
	}
}

// listen opens the public listeners, wrapping TLS ones.
func (a *App) listen(cfg *config.Config) error {
	a.certs = certs{byAddr: map[string]*atomic.Pointer[tls.Certificate]{}}
	for _, l := range cfg.Listen {
		ln, err := listenTCP(l.Addr)
		if err != nil {
			return fmt.Errorf("listen %s: %w", l.Addr, err)
		}
		if l.TLS != nil {
			c, err := loadCert(l.TLS)
			if err != nil {
				ln.Close()
				return err
			}
			cur := &atomic.Pointer[tls.Certificate]{}
			cur.Store(c)
			a.certs.byAddr[l.Addr] = cur
			ln = tls.NewListener(ln, tlsConfig(cur))
		}
		a.lns = append(a.lns, ln)
		if l.RedirectHTTPS {
			a.redirect[ln.Addr().String()] = true
		}
	}
	return nil
}

// reloadCerts loads the certificates of cfg's TLS listeners; all or none
// are swapped. Listeners themselves are not reopened on reload.
func (a *App) reloadCerts(cfg *config.Config) error {
	next := map[string]*tls.Certificate{}
	for _, l := range cfg.Listen {
		if l.TLS == nil || a.certs.byAddr[l.Addr] == nil {
			continue
		}
		c, err := loadCert(l.TLS)
		if err != nil {
			return err
		}
		next[l.Addr] = c
	}
	for addr, c := range next {
		a.certs.byAddr[addr].Store(c)
	}
	return nil
}
