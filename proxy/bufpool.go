package proxy

import (
	"bufio"
	"io"
	"sync"
)

// The buffers of member exchanges come from pools shared by every member,
// as fasthttp.Client shares them among its HostClients, not from each
// member's connection pool (a lone HostClient keeps its own): with
// thousands of members, a request to one then takes a buffer another just
// used, still in the CPU cache, instead of the one its member used a round
// of the lbmethod ago, and idle members hold no buffers.
var (
	memberReaders sync.Pool // *bufio.Reader of any size: sized on reuse
	memberWriters = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, memberWriteBuffer) }}
)

// memberWriteBuffer is the write buffer of a request to a member
// (fasthttp's default).
const memberWriteBuffer = 4096

// acquireMemberReader returns a reader of r with a buffer of size bytes
// (limits.maxresponseheaderbytes, which bounds a response head).
func acquireMemberReader(r io.Reader, size int) *bufio.Reader {
	if size <= 0 {
		size = memberWriteBuffer // fasthttp's default too
	}
	if v := memberReaders.Get(); v != nil {
		br := v.(*bufio.Reader)
		if br.Size() == max(size, 16) {
			br.Reset(r)
			return br
		}
	}
	return bufio.NewReaderSize(r, size)
}

// releaseMemberReader gives br back, letting go of its reader.
func releaseMemberReader(br *bufio.Reader) {
	br.Reset(nil)
	memberReaders.Put(br)
}

// acquireMemberWriter returns a writer to w.
func acquireMemberWriter(w io.Writer) *bufio.Writer {
	bw := memberWriters.Get().(*bufio.Writer)
	bw.Reset(w)
	return bw
}

// releaseMemberWriter gives bw back, letting go of its writer.
func releaseMemberWriter(bw *bufio.Writer) {
	bw.Reset(nil)
	memberWriters.Put(bw)
}
