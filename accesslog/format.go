package accesslog

import (
	"strconv"
	"unicode/utf8"

	"github.com/valyala/fasthttp"

	"balancer/proxy"
)

// appendCombined writes httpd's combined format plus the balancer fields:
//
//	127.0.0.1 - - [22/Nov/2026:12:00:00 +0000] "GET / HTTP/1.1" 200 12 "-" "curl/8" balancer=c route=node2 sticky=hit upstream_ms=1.234
func appendCombined(b []byte, ctx *fasthttp.RequestCtx, r *proxy.Record) []byte {
	b = appendIP(b, ctx)
	b = append(b, " - - ["...)
	b = r.Start.AppendFormat(b, "02/Jan/2006:15:04:05 -0700")
	b = append(b, "] \""...)
	b = appendEscaped(b, ctx.Method(), false)
	b = append(b, ' ')
	b = appendEscaped(b, ctx.Request.Header.RequestURI(), false)
	b = append(b, ' ')
	b = append(b, r.Protocol...)
	b = append(b, "\" "...)
	b = strconv.AppendInt(b, int64(r.Status), 10)
	b = append(b, ' ')
	if n := bodySize(ctx); n >= 0 {
		b = strconv.AppendInt(b, int64(n), 10)
	} else {
		b = append(b, '-')
	}
	b = append(b, " \""...)
	b = appendOrDash(b, ctx.Request.Header.Referer())
	b = append(b, "\" \""...)
	b = appendOrDash(b, ctx.Request.Header.UserAgent())
	b = append(b, "\" balancer="...)
	b = appendOrDash(b, []byte(balancerName(r)))
	b = append(b, " route="...)
	b = appendOrDash(b, []byte(memberRoute(r)))
	b = append(b, " sticky="...)
	b = append(b, r.Sticky.String()...)
	b = append(b, " upstream_ms="...)
	b = appendMillis(b, r.Upstream)
	return append(b, '\n')
}

func appendOrDash(b, v []byte) []byte {
	if len(v) == 0 {
		return append(b, '-')
	}
	return appendEscaped(b, v, false)
}

func appendIP(b []byte, ctx *fasthttp.RequestCtx) []byte {
	ip := ctx.RemoteIP()
	if v4 := ip.To4(); v4 != nil {
		return fasthttp.AppendIPv4(b, v4)
	}
	return append(b, ip.String()...)
}

// appendEscaped writes v with quotes, backslashes and control bytes
// escaped as \xNN (httpd's rule), so a request cannot forge log lines; in
// JSON mode it uses JSON escapes and replaces invalid UTF-8.
func appendEscaped(b, v []byte, json bool) []byte {
	const hex = "0123456789abcdef"
	for i := 0; i < len(v); {
		c := v[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20 || c == 0x7f:
			if json {
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
			} else {
				b = append(b, '\\', 'x', hex[c>>4], hex[c&15])
			}
		case c >= 0x80 && json:
			r, n := utf8.DecodeRune(v[i:])
			if r == utf8.RuneError && n <= 1 {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, v[i:i+n]...)
			}
			i += n
			continue
		default:
			b = append(b, c)
		}
		i++
	}
	return b
}

// appendJSON writes one JSON object per line.
func appendJSON(b []byte, ctx *fasthttp.RequestCtx, r *proxy.Record) []byte {
	str := func(b []byte, k string, v []byte) []byte {
		b = append(b, '"')
		b = append(b, k...)
		b = append(b, `":"`...)
		b = appendEscaped(b, v, true)
		return append(b, `",`...)
	}
	b = append(b, `{"time":"`...)
	b = r.Start.AppendFormat(b, "2006-01-02T15:04:05.000Z07:00")
	b = append(b, `",`...)
	b = str(b, "remote", appendIP(nil, ctx))
	b = str(b, "method", ctx.Method())
	b = str(b, "uri", ctx.Request.Header.RequestURI())
	b = append(b, `"proto":"`...)
	b = append(b, r.Protocol...)
	b = append(b, `",`...)
	b = append(b, `"status":`...)
	b = strconv.AppendInt(b, int64(r.Status), 10)
	b = append(b, `,"bytes":`...)
	b = strconv.AppendInt(b, int64(max(bodySize(ctx), 0)), 10)
	b = append(b, ',')
	b = str(b, "referer", ctx.Request.Header.Referer())
	b = str(b, "user_agent", ctx.Request.Header.UserAgent())
	b = str(b, "balancer", []byte(balancerName(r)))
	b = str(b, "route", []byte(memberRoute(r)))
	b = str(b, "sticky", []byte(r.Sticky.String()))
	b = append(b, `"attempts":`...)
	b = strconv.AppendInt(b, int64(r.Attempts), 10)
	b = append(b, `,"upstream_ms":`...)
	b = appendMillis(b, r.Upstream)
	return append(b, "}\n"...)
}
