package proxy

import (
	"fmt"
	"io"
	"net/http"
	"testing"
)

func TestLargeBodiesStream(t *testing.T) {
	ms := threeMembers(t)
	_, base := startProxy(t, threeYAML, ms...)
	for _, q := range []string{"n=10485760", "n=3145728&chunked=1", "n=70000", "n=100"} {
		for i := 0; i < 3; i++ {
			resp, err := http.Get(base + "/big?" + q)
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			n, err := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			var want int64
			fmt.Sscanf(q, "n=%d", &want)
			if err != nil || n != want {
				t.Fatalf("%s: got %d bytes (%v), want %d", q, n, err, want)
			}
		}
	}
}
