package proxy

import (
	"bytes"

	"github.com/valyala/fasthttp"

	"balancer/config"
)

// Request validation in front of fasthttp, which is lenient where a front
// end must not be (RFC 9112 §2.2, §5, §6.1, §6.3; fasthttp #1719, #1785,
// #1794): every request whose framing or head is ambiguous is answered by
// the balancer and never forwarded, and its connection is closed, since
// the next request on it could not be found safely. Checked on the raw
// header block fasthttp keeps (RawHeaders), not on its normalised view.

const (
	maxTargetLen   = 8 << 10 // longer request-targets get 414
	maxHeaderCount = 100     // more header fields get 431
)

// methods the balancer forwards; other valid method tokens get 501.
var knownMethods = map[string]bool{
	"GET": true, "HEAD": true, "POST": true, "PUT": true, "DELETE": true, "OPTIONS": true,
	"TRACE": true, "PATCH": true, "QUERY": true,
	// WebDAV (Jetty and Tomcat serve it)
	"PROPFIND": true, "PROPPATCH": true, "MKCOL": true, "COPY": true, "MOVE": true,
	"LOCK": true, "UNLOCK": true, "REPORT": true, "SEARCH": true,
}

// checkRequest returns the status and reason for a request the balancer
// refuses, or 0.
func checkRequest(ctx *fasthttp.RequestCtx) (int, string) {
	h := &ctx.Request.Header
	m := h.Method()
	if !isToken(m) {
		return fasthttp.StatusBadRequest, "invalid method"
	}
	if !knownMethods[string(m)] {
		return fasthttp.StatusNotImplemented, "method not implemented"
	}
	switch string(h.Protocol()) {
	case "HTTP/1.1", "HTTP/1.0":
	default:
		return fasthttp.StatusHTTPVersionNotSupported, "HTTP version not supported"
	}
	t := h.RequestURI()
	if len(t) > maxTargetLen {
		return fasthttp.StatusRequestURITooLong, "request target too long"
	}
	for _, c := range t {
		if c <= ' ' || c == 0x7f || c == '#' || c == '\\' {
			return fasthttp.StatusBadRequest, "invalid character in the request target"
		}
	}
	return checkHeaders(h.RawHeaders(), h.IsHTTP11())
}

// checkHeaders validates the raw header block: one field per CRLF line,
// a token name immediately followed by ':', a value of visible characters,
// spaces and tabs; no obsolete line folding; one Host; a Content-Length of
// digits, at most once, never with Transfer-Encoding; a Transfer-Encoding
// that is exactly "chunked" (other codings get 501); no expectation but
// 100-continue (417, as httpd answers; an empty Expect is none).
func checkHeaders(raw []byte, http11 bool) (int, string) {
	var hosts, cls, tes, count int
	for len(raw) > 0 {
		i := bytes.IndexByte(raw, '\n')
		if i < 0 {
			i = len(raw)
		}
		line := raw[:i]
		if i < len(raw) {
			raw = raw[i+1:]
		} else {
			raw = nil
		}
		if len(line) == 0 || line[len(line)-1] != '\r' {
			if len(line) == 0 && len(raw) == 0 {
				break
			}
			return fasthttp.StatusBadRequest, "header line not ended by CRLF"
		}
		line = line[:len(line)-1]
		if len(line) == 0 {
			break // end of the header block
		}
		if line[0] == ' ' || line[0] == '\t' {
			return fasthttp.StatusBadRequest, "obsolete line folding"
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			return fasthttp.StatusBadRequest, "header line without a field name"
		}
		name, value := line[:colon], line[colon+1:]
		if !isToken(name) {
			return fasthttp.StatusBadRequest, "invalid header field name (or whitespace before the colon)"
		}
		for _, c := range value {
			if (c < ' ' && c != '\t') || c == 0x7f {
				return fasthttp.StatusBadRequest, "invalid character in a header value"
			}
		}
		count++
		if count > maxHeaderCount {
			return fasthttp.StatusRequestHeaderFieldsTooLarge, "too many header fields"
		}
		value = bytes.Trim(value, " \t")
		switch {
		case bytes.EqualFold(name, []byte("Host")):
			hosts++
			if bytes.ContainsAny(value, " \t/@") {
				return fasthttp.StatusBadRequest, "invalid Host"
			}
		case bytes.EqualFold(name, []byte("Content-Length")):
			cls++
			if len(value) == 0 || !allDigits(value) {
				return fasthttp.StatusBadRequest, "invalid Content-Length"
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			tes++
			if len(value) == 0 {
				return fasthttp.StatusBadRequest, "empty Transfer-Encoding"
			}
			if !bytes.EqualFold(value, []byte("chunked")) {
				last := value
				if k := bytes.LastIndexByte(value, ','); k >= 0 {
					last = bytes.Trim(value[k+1:], " \t")
				}
				if bytes.EqualFold(last, []byte("chunked")) {
					return fasthttp.StatusNotImplemented, "transfer coding not implemented"
				}
				if k := bytes.IndexByte(value, ','); k >= 0 {
					return fasthttp.StatusBadRequest, "chunked must be the final transfer coding"
				}
				return fasthttp.StatusNotImplemented, "transfer coding not implemented"
			}
		case bytes.EqualFold(name, []byte("Expect")):
			if len(value) > 0 && !bytes.EqualFold(value, continue100) {
				return fasthttp.StatusExpectationFailed, "unsupported expectation"
			}
		}
	}
	switch {
	case cls > 1:
		return fasthttp.StatusBadRequest, "more than one Content-Length"
	case tes > 1:
		return fasthttp.StatusBadRequest, "more than one Transfer-Encoding"
	case tes > 0 && cls > 0:
		return fasthttp.StatusBadRequest, "both Content-Length and Transfer-Encoding"
	case tes > 0 && !http11:
		return fasthttp.StatusBadRequest, "Transfer-Encoding in an HTTP/1.0 request"
	case hosts > 1:
		return fasthttp.StatusBadRequest, "more than one Host"
	case hosts == 0 && http11:
		return fasthttp.StatusBadRequest, "missing Host"
	}
	return 0, ""
}

func allDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0 && len(b) <= 18
}

// isToken reports whether b is an RFC 9110 token (config's rule).
func isToken(b []byte) bool { return config.IsToken(b) }
