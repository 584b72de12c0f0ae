package proxy

import (
	"bytes"

	"github.com/valyala/fasthttp"
)

// continue100 is the one expectation HTTP defines (RFC 9110 §10.1.1).
var continue100 = []byte("100-continue")

// settleExpectation makes a request's Expect what fasthttp's server acts
// on the way httpd and nginx would, before it acts: the server answers
// "100 Continue" before the handler runs when, and only when, the field's
// value is exactly "100-continue".
//
//   - The expectation is case-insensitive: "100-Continue" is made
//     "100-continue", or its client would wait for a 100 that never
//     comes (curl one second, others until their own timeout).
//   - An HTTP/1.0 request's expectation is dropped: a server must ignore
//     it and must not send a 1xx to an HTTP/1.0 client (§10.1.1,
//     §15.2), which would read it as the final answer.
//
// Any other expectation is left for checkHeaders to refuse (417).
func settleExpectation(h *fasthttp.RequestHeader) {
	v := h.Peek(fasthttp.HeaderExpect)
	if v == nil || !bytes.EqualFold(bytes.Trim(v, " \t"), continue100) {
		return
	}
	switch {
	case !h.IsHTTP11():
		h.Del(fasthttp.HeaderExpect)
	case !bytes.Equal(v, continue100):
		h.Set(fasthttp.HeaderExpect, "100-continue")
	}
}
