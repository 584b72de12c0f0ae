package proxy

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"net/http/httputil"
	"testing"

	"github.com/valyala/fasthttp"
)

// FuzzBodyFramer feeds a client body of either framing, as bytes off the
// wire, through the request path's body handling (fasthttp's stream,
// clientBody, writeRequest with a retry buffer of bufSize) and parses what
// would go to the member with net/http. Whenever the balancer forwards,
// the member must see exactly one well-framed request whose body is what
// a strict decoder reads from the client's bytes; otherwise the balancer
// must have failed on the client's side.
func FuzzBodyFramer(f *testing.F) {
	f.Add([]byte("5\r\nhello\r\n0\r\n\r\n"), true, uint16(4))
	f.Add([]byte("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"), true, uint16(64))
	f.Add([]byte("5;ext=1\r\nhello\r\n0\r\nTrailer: x\r\n\r\n"), true, uint16(1))
	f.Add([]byte("hello world"), false, uint16(3))
	f.Add([]byte("ffffffffffffffff\r\nx\r\n0\r\n\r\n"), true, uint16(8))
	f.Add([]byte("5\r\nhelloGET /smuggled HTTP/1.1\r\n\r\n"), true, uint16(8))
	f.Fuzz(func(t *testing.T, body []byte, chunked bool, bufSize uint16) {
		head := "POST /x HTTP/1.1\r\nHost: h\r\n"
		if chunked {
			head += "Transfer-Encoding: chunked\r\n\r\n"
		} else {
			head += "Content-Length: " + itoa(len(body)) + "\r\n\r\n"
		}
		br := bufio.NewReader(io.MultiReader(bytes.NewReader([]byte(head)), bytes.NewReader(body)))
		var req fasthttp.Request
		if err := req.Header.Read(br); err != nil {
			t.Fatal(err)
		}
		if err := req.ContinueReadBodyStream(br, 1, false); err != nil {
			return // refused before the handler
		}
		rq := &request{}
		rq.in = clientBody{src: req.BodyStream(), want: int64(req.Header.ContentLength())}
		var out bytes.Buffer
		bw := bufio.NewWriter(&out)
		err := bufferBody(rq, int64(bufSize))
		if err == nil {
			err = writeRequest(bw, &req, &rq.out)
		}
		bw.Flush()
		// The reference: what a strict decoder makes of the client's bytes.
		var want []byte
		var werr error
		if chunked {
			want, werr = io.ReadAll(httputil.NewChunkedReader(bytes.NewReader(body)))
		} else {
			want = body
		}
		if err != nil {
			return // failed on the client's side: nothing was forwarded whole
		}
		if werr != nil {
			// fasthttp is laxer than the reference in places (README:
			// chunks are re-framed); what goes out must still be one
			// well-framed request.
			want = nil
		}
		mr, perr := http.ReadRequest(bufio.NewReader(&out))
		if perr != nil {
			t.Fatalf("the member could not parse what was forwarded: %v\n%q", perr, out.String())
		}
		got, rerr := io.ReadAll(mr.Body)
		if rerr != nil {
			t.Fatalf("the forwarded body is not well framed: %v\n%q", rerr, out.String())
		}
		if want != nil && !bytes.Equal(got, want) {
			t.Fatalf("forwarded body %q, the client sent %q", got, want)
		}
		if rest, _ := io.ReadAll(mr.Body); len(rest) != 0 {
			t.Fatalf("bytes after the forwarded body: %q", rest)
		}
	})
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}
