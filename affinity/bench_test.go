package affinity

import (
	"strconv"
	"testing"
	"time"
)

// realisticCookie is a browser's Cookie header with five cookies, the
// session cookie last.
const realisticCookie = "_ga=GA1.2.1318476053.1719830400; _gid=GA1.2.904251617.1719916800; " +
	"lang=en-US; csrftoken=hT9xQ2vLk8PzR4mN7bW1cY6dF3gJ0sA5; JSESSIONID=node0abc123def456ghi789jkl.node2"

func BenchmarkFromURL(b *testing.B) {
	s := mustSpec(b, "JSESSIONID|jsessionid", ".", false)
	for _, bc := range []struct{ name, target string }{
		{"path", "/shop/cart;jsessionid=node0abc123def456.node2?item=42&qty=1"},
		{"query", "/shop/cart?item=42&qty=1&jsessionid=node0abc123def456.node2"},
		{"none", "/shop/static/css/site.min.css?v=20260701"},
	} {
		target := []byte(bc.target)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s.FromURL(target)
			}
		})
	}
}

func BenchmarkFromCookie(b *testing.B) {
	s := mustSpec(b, "JSESSIONID|jsessionid", ".", false)
	for _, bc := range []struct{ name, header string }{
		{"last-of-5", realisticCookie},
		{"first-of-5", "JSESSIONID=node0abc123def456ghi789jkl.node2; _ga=GA1.2.1318476053.1719830400; " +
			"_gid=GA1.2.904251617.1719916800; lang=en-US; csrftoken=hT9xQ2vLk8PzR4mN7bW1cY6dF3gJ0sA5"},
		{"absent-of-4", realisticCookie[:len(realisticCookie)-len("; JSESSIONID=node0abc123def456ghi789jkl.node2")]},
	} {
		header := []byte(bc.header)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s.FromCookie(header)
			}
		})
	}
}

func BenchmarkRoute(b *testing.B) {
	s := mustSpec(b, "JSESSIONID", ".", false)
	v := []byte("node0abc123def456ghi789jkl.node2")
	b.ReportAllocs()
	for b.Loop() {
		s.Route(v)
	}
}

func BenchmarkTableGet(b *testing.B) {
	tab := NewTable(100000, time.Hour)
	keys := make([][]byte, 100000)
	for i := range keys {
		k := "node0" + strconv.Itoa(i*7919) + "abcdef"
		tab.Put(k, "node"+strconv.Itoa(i%4), t0)
		keys[i] = []byte(k)
	}
	miss := []byte("node0-not-there-abcdef")
	b.Run("hit", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			tab.Get(keys[i%len(keys)], t0)
			i++
		}
	})
	b.Run("miss", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			tab.Get(miss, t0)
		}
	})
	b.Run("hit-parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				tab.Get(keys[i%len(keys)], t0)
				i++
			}
		})
	})
}

func BenchmarkTablePut(b *testing.B) {
	tab := NewTable(100000, time.Hour)
	keys := make([]string, 200000) // twice the bound: half the puts evict
	for i := range keys {
		keys[i] = "node0" + strconv.Itoa(i*7919) + "abcdef"
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		tab.Put(keys[i%len(keys)], "node1", t0)
		i++
	}
}
