package lbmethod

import (
	"fmt"
	"testing"
)

// benchMembers builds n members with loadfactors 1..100 in a fixed
// pattern, some traffic and some requests in flight, all in lbset 0.
func benchMembers(n int) []Member {
	vs := make([]Member, n)
	for i := range vs {
		m := &member{factor: int64(1+(i*37)%100) * 100}
		m.sched.Transferred.Store(int64(i * 7919 % 100000))
		m.sched.Read.Store(int64(i * 104729 % 1000000))
		m.sched.Busy.Store(int64(i % 4))
		vs[i] = m
	}
	return vs
}

// BenchmarkChoose measures one choice. The methods New returns are O(n)
// per choice in the member count: each candidate's Eligible, Factor and
// lbstatus are visited on every choice (byrequests and bybusyness also
// write every candidate's lbstatus), as in httpd. The indexed methods (the
// proxy's) are O(g + log n), g being the heaps of the index: the distinct
// factors (100 here), times the distinct counts of requests in flight for
// bybusyness (4 here).
func BenchmarkChoose(b *testing.B) {
	for _, method := range testMethods {
		for _, n := range []int{3, 100, 10000} {
			b.Run(fmt.Sprintf("%s/%d", method, n), func(b *testing.B) {
				vs := benchMembers(n)
				lb := mustNew(b, method)
				b.ReportAllocs()
				for b.Loop() {
					lb.Choose(vs)
				}
			})
		}
	}
}

// BenchmarkStick measures a sticky hit: O(n) like a choice, but
// O(log n) for IndexedByRequests.
func BenchmarkStick(b *testing.B) {
	for _, method := range []string{"byrequests", "byrequests" + indexedSuffix} {
		for _, n := range []int{3, 100, 10000} {
			b.Run(fmt.Sprintf("%s/%d", method, n), func(b *testing.B) {
				vs := benchMembers(n)
				lb := mustNew(b, method)
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					lb.Stick(vs, i%n)
					i++
				}
			})
		}
	}
}
