package lbmethod

import (
	"strings"
	"testing"
)

// member is a balancer member as the tests need it: its flags are plain
// fields, set before a method sees the member.
type member struct {
	sched   Sched
	factor  int64
	lbset   int
	standby bool
	down    bool // disabled, stopped or in error: neither usable nor eligible
	drain   bool // usable (sticky traffic only), not eligible
	full    bool // usable, not eligible

	// clock, when set, is the time Usable and Factor see: the member is
	// down until downUntil and has twice its factor until boostUntil,
	// changes it announces through Until (Timed).
	clock      *int64
	downUntil  int64
	boostUntil int64
}

var _ Member = (*member)(nil)

func (m *member) Sched() *Sched { return &m.sched }
func (m *member) Factor() int64 {
	if m.clock != nil && *m.clock < m.boostUntil {
		return 2 * m.factor
	}
	return m.factor
}
func (m *member) LBSet() int     { return m.lbset }
func (m *member) Standby() bool  { return m.standby }
func (m *member) Usable() bool   { return !m.down && (m.clock == nil || *m.clock >= m.downUntil) }
func (m *member) Eligible() bool { return m.Usable() && !m.drain && !m.full }

// Until implements Timed: the next of downUntil and boostUntil still to
// come.
func (m *member) Until(now int64) int64 {
	var at int64
	for _, t := range []int64{m.downUntil, m.boostUntil} {
		if t > now && (at == 0 || t < at) {
			at = t
		}
	}
	return at
}

// group builds members with the given loadfactors (1 → factor 100), all in
// lbset 0, and returns them both as the concrete type and as the view.
func group(loadfactors ...int64) ([]*member, []Member) {
	ms := make([]*member, len(loadfactors))
	vs := make([]Member, len(loadfactors))
	for i, lf := range loadfactors {
		ms[i] = &member{factor: lf * 100}
		vs[i] = ms[i]
	}
	return ms, vs
}

// name is the letter the tests use for member i: a, b, c, ...; "-" for
// no member.
func name(i int) byte {
	if i < 0 {
		return '-'
	}
	return byte('a' + i)
}

// picks runs n choices and returns them as letters.
func picks(m Method, vs []Member, n int) string {
	var sb strings.Builder
	for range n {
		sb.WriteByte(name(m.Choose(vs)))
	}
	return sb.String()
}

// counts runs n choices and counts them per member.
func counts(m Method, vs []Member, n int) []int {
	c := make([]int, len(vs))
	for range n {
		if i := m.Choose(vs); i >= 0 {
			c[i]++
		}
	}
	return c
}

// lbstatus reads every member's lbstatus.
func lbstatus(m Method, vs []Member) []int64 {
	s := make([]int64, len(vs))
	for i := range vs {
		s[i] = m.LBStatus(vs, i)
	}
	return s
}

// indexedSuffix names a method's indexed counterpart among the methods
// under test: "byrequests-indexed" is IndexedByRequests.
const indexedSuffix = "-indexed"

// testMethods is every method the tests check, linear and indexed.
var testMethods = []string{
	"byrequests", "bytraffic", "bybusyness",
	"byrequests" + indexedSuffix, "bytraffic" + indexedSuffix, "bybusyness" + indexedSuffix,
}

// mustNew returns the method called name, or stops the test.
func mustNew(t testing.TB, name string) Method {
	t.Helper()
	if base, ok := strings.CutSuffix(name, indexedSuffix); ok {
		m, err := NewShared(base, Reported(nil))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	m, err := New(name)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// changed announces a change of every member to a method that needs it.
func changed(m Method, vs []Member) {
	if x, ok := m.(indexed); ok {
		for i := range vs {
			x.Changed(vs, i)
		}
	}
}
