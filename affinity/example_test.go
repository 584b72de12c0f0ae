package affinity_test

import (
	"fmt"
	"time"

	"balancer/affinity"
)

// A request's session is looked for in the URL first, then in each Cookie
// header in the order received.
func ExampleSpec() {
	s, err := affinity.NewSpec("JSESSIONID|jsessionid", ".", false)
	if err != nil {
		panic(err)
	}
	target := []byte("/shop/cart?item=42")
	cookies := [][]byte{[]byte("lang=en"), []byte(`JSESSIONID="node0abc123.node2"; theme=dark`)}

	value, ok := s.FromURL(target)
	for _, h := range cookies {
		if ok {
			break
		}
		value, ok = s.FromCookie(h)
	}
	fmt.Printf("value %s, session %s, route %s\n", value, s.SessionID(value), s.Route(value))
	// Output: value node0abc123.node2, session node0abc123, route node2
}

func ExampleTable() {
	moved := affinity.NewTable(100000, 30*time.Minute)
	now := time.Now()
	moved.Put("node0abc123", "node3", now)
	route, ok := moved.Get([]byte("node0abc123"), now.Add(time.Minute))
	fmt.Println(route, ok)
	_, ok = moved.Get([]byte("node0abc123"), now.Add(time.Hour))
	fmt.Println(ok)
	// Output:
	// node3 true
	// false
}
