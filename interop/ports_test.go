//go:build interop

package interop

import (
	"fmt"
	"math/rand/v2"
	"net"
)

// freePort returns a free 127.0.0.1 port below Linux's ephemeral range
// (32768–60999). A node killed with -9 comes back on the same port; a port
// from the ephemeral range could meanwhile be handed to another process's
// outgoing connection or ":0" listener (other packages' tests run on this
// machine too), one below it only to a process that asks for it by number.
func freePort() (int, error) {
	for range 200 {
		p := 20000 + rand.IntN(12000)
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			continue
		}
		ln.Close()
		if taken[p] {
			continue
		}
		taken[p] = true
		return p, nil
	}
	return 0, fmt.Errorf("no free port found between 20000 and 32000")
}

// taken holds the ports already handed out, so that two nodes never get the
// same one before either has bound it. TestMain's setup hands every port
// out before it starts anything.
var taken = map[int]bool{}
