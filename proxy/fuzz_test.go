package proxy

import (
	"bufio"
	"bytes"
	"net/url"
	"strings"
	"testing"
)

// Fuzz targets for the parsers at the edge. Each checks a property
// against a reference written independently (split-based, not
// byte-scanning), not only that nothing panics. Seeds: f.Add below and
// testdata/fuzz/<target>/; both run as ordinary tests in `go test`.

// refHeaders is a reference reading of a raw request header block: the
// reason it must be refused, or "" when it is acceptable.
func refHeaders(raw []byte, http11 bool) string {
	s := string(raw)
	if i := strings.Index(s, "\r\n\r\n"); i >= 0 {
		s = s[:i+2] // through the last field line's CRLF
	}
	hosts, cls, tes := 0, 0, 0
	lines := strings.Split(s, "\r\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for _, line := range lines {
		if strings.ContainsAny(line, "\r\n") {
			return "bare CR or LF"
		}
		if line == "" {
			break
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || name == "" || !isToken([]byte(name)) {
			return "bad field name"
		}
		for _, c := range []byte(value) {
			if c < ' ' && c != '\t' || c == 0x7f {
				return "control character"
			}
		}
		v := strings.Trim(value, " \t")
		switch strings.ToLower(name) {
		case "host":
			hosts++
			if strings.ContainsAny(v, " \t/@") {
				return "bad Host"
			}
		case "content-length":
			cls++
			if v == "" || len(v) > 18 || strings.Trim(v, "0123456789") != "" {
				return "bad Content-Length"
			}
		case "transfer-encoding":
			tes++
			if !strings.EqualFold(v, "chunked") {
				return "transfer coding"
			}
		case "expect":
			if v != "" && !strings.EqualFold(v, "100-continue") {
				return "expectation"
			}
		}
	}
	switch {
	case cls > 1, tes > 1, cls > 0 && tes > 0, tes > 0 && !http11, hosts > 1, hosts == 0 && http11:
		return "framing or Host"
	}
	return ""
}

func FuzzCheckHeaders(f *testing.F) {
	for _, h := range hostile {
		if _, rest, ok := strings.Cut(h.raw, "\r\n"); ok {
			rest, _, _ = strings.Cut(rest, "\r\n\r\n")
			f.Add([]byte(rest), true)
		}
	}
	f.Add([]byte("Host: x"), true)
	f.Add([]byte(""), false)
	f.Add([]byte("Host: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked"), true)
	f.Fuzz(func(t *testing.T, lines []byte, http11 bool) {
		if bytes.Count(lines, []byte("\n")) > maxHeaderCount {
			return // the field count limit (431) is not the reference's business
		}
		// fasthttp hands over the block through its empty line.
		raw := append(lines, "\r\n\r\n"...)
		status, reason := checkHeaders(raw, http11)
		ref := refHeaders(raw, http11)
		if (status == 0) != (ref == "") {
			t.Fatalf("checkHeaders(%q, %v) = %d %q; the reference says %q", raw, http11, status, reason, ref)
		}
	})
}

// dotFree reports whether no segment of the path, with its path
// parameters cut off and then percent-decoded once (as Tomcat and Jetty
// read it), is "." or "..", and no encoded slash makes a new segment.
func dotFree(path string) bool {
	for _, seg := range strings.Split(path, "/") {
		seg, _, _ = strings.Cut(seg, ";")
		d, err := url.PathUnescape(seg)
		if err != nil {
			return false
		}
		for _, part := range strings.FieldsFunc(d, func(r rune) bool { return r == '/' || r == '\\' }) {
			if part == "." || part == ".." {
				return false
			}
		}
		if d == "." || d == ".." {
			return false
		}
	}
	return true
}

func FuzzCheckTarget(f *testing.F) {
	for _, s := range []string{"/", "/shop/cart", "/shop/..%2fadmin", "/shop/%2e%2e/x", "/%73hop/x", "/shop/a%2Fb",
		"/shop;jsessionid=a.n1?x=%2e%2e", "/a/./b", "/a/.%2E/b", "/a/..;x/b", "/%252e%252e/", "/a%zz", "?x", "/shop/%2E%2e%5c"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, target []byte) {
		if bytes.ContainsFunc(target, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '#' || r == '\\' }) {
			return // checkRequest refuses these before checkTarget
		}
		if checkTarget(target) != "" {
			return
		}
		out, status, _ := normalizeTarget(target, nil)
		if status != 0 {
			return
		}
		p := string(pathOf(out))
		if !strings.HasPrefix(p, "/") {
			t.Fatalf("%q accepted and normalised to %q, not an absolute path", target, out)
		}
		if !dotFree(p) {
			t.Fatalf("%q accepted, forwarded as %q: a member reads a dot-segment in it", target, out)
		}
		if !dotFree(string(pathOf(target))) {
			t.Fatalf("%q accepted although a member reads a dot-segment in it", target)
		}
		if string(out[len(p):]) != string(target[len(pathOf(target)):]) {
			t.Fatalf("%q: query changed to %q", target, out[len(p):])
		}
		again, status, _ := normalizeTarget(out, nil)
		if status != 0 || !bytes.Equal(again, out) || checkTarget(out) != "" {
			t.Fatalf("normalising %q is not stable: %q then %q (%d)", target, out, again, status)
		}
	})
}

// refHeadEnd is where the head ends in b (after its empty line, which may
// be "\n" or "\r\n"), or -1.
func refHeadEnd(b []byte) int {
	end := -1
	if i := bytes.Index(b, []byte("\n\n")); i >= 0 {
		end = i + 2
	}
	if i := bytes.Index(b, []byte("\n\r\n")); i >= 0 && (end < 0 || i+3 < end) {
		end = i + 3
	}
	return end
}

// refBothFramings reports a head with a Content-Length and a
// Transfer-Encoding field line (name, optional whitespace, colon).
func refBothFramings(head string) bool {
	var cl, te bool
	lines := strings.Split(head, "\n")
	for _, line := range lines[:len(lines)-1] {
		name, _, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch strings.ToLower(strings.TrimRight(name, " \t")) {
		case "content-length":
			cl = true
		case "transfer-encoding":
			te = true
		}
	}
	return cl && te
}

// FuzzAmbiguousHead checks headProblem (both framings, then bare LF)
// against a reference.
func FuzzAmbiguousHead(f *testing.F) {
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\nhello"))
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nTransfer-Encoding: chunked\r\n\r\n"))
	f.Add([]byte("HTTP/1.1 200 OK\nContent-Length : 5\nTRANSFER-ENCODING\t: chunked\n\n"))
	f.Add([]byte("HTTP/1.1 200 OK\r\nX-Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"))
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		const size = 256
		if got, want := headEnd(data), refHeadEnd(data); got != want {
			t.Fatalf("headEnd(%q) = %d, want %d", data, got, want)
		}
		var want error
		if end := refHeadEnd(data[:min(len(data), size)]); end >= 0 {
			head := string(data[:end])
			switch {
			case refBothFramings(head):
				want = errAmbiguousFraming
			case strings.Count(head, "\n") != strings.Count(head, "\r\n"):
				want = errBareLF
			}
		}
		br := bufio.NewReaderSize(bytes.NewReader(data), size)
		if got := headProblem(br); got != want {
			t.Fatalf("headProblem(%q) = %v, want %v", data, got, want)
		}
		// It only peeks: the response is still there to be read.
		rest := new(bytes.Buffer)
		rest.ReadFrom(br)
		if !bytes.Equal(rest.Bytes(), data) {
			t.Fatalf("headProblem consumed input: %q left of %q", rest.Bytes(), data)
		}
	})
}
