package lbmethod

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// world is one copy of a balancer's members as seen by one method.
type world struct {
	all []*member // every member ever created, by id
	vs  []Member  // the current slice
	ids []int     // vs[i] is all[ids[i]]
}

func (w *world) setSlice(ids []int) {
	w.ids = slices.Clone(ids)
	w.vs = make([]Member, len(ids)) // a new backing array: a new slice
	for i, id := range ids {
		w.vs[i] = w.all[id]
	}
}

// TestIndexedMatchesLinear runs random sequences of choices (some leaving
// members out, as a retry does), sticky hits, resets, eligibility flips,
// factor, lbset and standby changes, members down or boosted until a time
// of the clock (Timed, never announced), the clock moving, requests
// starting and ending (their InFlight counter tells the index itself)
// and bytes flowing (never announced), and
// slice replacements against each method that reads every member on every
// choice (ByRequests, ByTraffic, ByBusyness) and its indexed counterpart
// on a Reported Shared, with lbmethod edits (a method of another order
// on the same Shared, the old one still choosing now and then), and
// checks that every choice and every lbstatus is the same.
func TestIndexedMatchesLinear(t *testing.T) {
	for _, method := range Names() {
		t.Run(method, func(t *testing.T) { testIndexedMatches(t, method) })
	}
}

func testIndexedMatches(t *testing.T, method string) {
	seeds, ops := 60, 1000
	if testing.Short() {
		seeds = 20
	}
	factors := []int64{100, 100, 200, 300, 700, 3000, 7000} // repeats make groups and ties
	for seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(seed), 7))
			ref, lazy := &world{}, &world{}
			var clock int64
			newMember := func() {
				f, s, h := factors[r.IntN(len(factors))], r.IntN(3)-1, r.IntN(5) == 0 // lbset -1 too: nothing assumes 0-99
				ref.all = append(ref.all, &member{factor: f, lbset: s, standby: h, clock: &clock})
				lazy.all = append(lazy.all, &member{factor: f, lbset: s, standby: h, clock: &clock})
			}
			n := 1 + r.IntN(12)
			if seed%5 == 1 {
				n = 20 + r.IntN(60) // deeper heaps
			}
			ids := make([]int, n)
			for i := range n {
				newMember()
				ids[i] = i
			}
			ref.setSlice(ids)
			lazy.setSlice(ids)
			// Every method of a world shares its state, as a balancer's
			// do when its lbmethod is edited: the methods in use (the
			// latest and the one before it, whose requests may still
			// retry) choose in turn.
			rsh, lsh := &Shared{}, Reported(func() int64 { return clock })
			rm, lm := mustNewOn(t, method, rsh), mustNewOn(t, method, lsh).(indexed)
			rms, lms := []Method{rm}, []indexed{lm}
			z := &lsh.z
			if seed%10 == 0 {
				z.limit = 20 // exercise the clock restart
			}
			maxClock := int64(0)
			// both applies a change to the same member in both worlds.
			both := func(i int, f func(*member)) {
				f(ref.all[ref.ids[i]])
				f(lazy.all[lazy.ids[i]])
				lm.Changed(lazy.vs, i)
			}
			var log []string
			for op := range ops {
				var what string
				n := len(ref.vs)
				switch k := r.IntN(113); {
				case k < 50:
					j := r.IntN(len(rms))
					what = fmt.Sprintf("choose with %s", rms[j].Name())
					if a, b := rms[j].Choose(ref.vs), lms[j].Choose(lazy.vs); a != b {
						t.Fatalf("op %d: %s chose %d, indexed %d", op, rms[j].Name(), a, b)
					}
				case k < 55:
					// A retry: some members left out, perhaps twice or
					// one not in the slice.
					var re, le []*Sched
					for range r.IntN(3) + 1 {
						id := r.IntN(len(ref.all))
						re, le = append(re, ref.all[id].Sched()), append(le, lazy.all[id].Sched())
					}
					j := r.IntN(len(rms))
					what = fmt.Sprintf("choose with %s except %d", rms[j].Name(), len(re))
					if a, b := rms[j].ChooseExcept(ref.vs, re), lms[j].ChooseExcept(lazy.vs, le); a != b {
						t.Fatalf("op %d: %s chose %d, indexed %d, except %d members", op, rms[j].Name(), a, b, len(re))
					}
				case k < 100 && k >= 96 && n > 0:
					// Down or boosted until a time to come: announced once,
					// as the proxy announces an error, and never again.
					i, d, boost := r.IntN(n), int64(1+r.IntN(6)), r.IntN(2) == 0
					what = fmt.Sprintf("timed %d +%d boost=%v", i, d, boost)
					both(i, func(m *member) {
						if boost {
							m.boostUntil = clock + d
						} else {
							m.downUntil = clock + d
						}
					})
				case k >= 100 && k < 104:
					d := int64(r.IntN(3))
					what = fmt.Sprintf("tick +%d", d)
					clock += d
				case k == 112:
					// The lbmethod is edited: the new method joins, the
					// oldest of three leaves.
					name := Names()[r.IntN(len(Names()))]
					what = "edit to " + name
					rm, lm = mustNewOn(t, name, rsh), mustNewOn(t, name, lsh).(indexed)
					rms, lms = append(rms, rm), append(lms, lm)
					if len(rms) > 2 {
						rms, lms = rms[1:], lms[1:]
					}
				case k >= 104 && n > 0:
					// A request starts or ends, its bytes flow: the
					// proxy reports none of it through Changed.
					i, d, b := r.IntN(n), int64(r.IntN(3)-1), int64(r.IntN(5000))
					what = fmt.Sprintf("traffic %d busy%+d bytes %d", i, d, b)
					for _, w := range []*world{ref, lazy} {
						sc := w.all[w.ids[i]].Sched()
						if sc.Busy.Load()+d >= 0 {
							sc.Busy.Add(d)
						}
						sc.Transferred.Add(b)
						sc.Read.Add(b / 3)
					}
				case k < 65 && n > 0:
					i := r.IntN(n)
					what = fmt.Sprintf("stick %d", i)
					rm.Stick(ref.vs, i)
					lm.Stick(lazy.vs, i)
				case k < 80 && n > 0:
					i, flag := r.IntN(n), r.IntN(3)
					what = fmt.Sprintf("flip %d/%d", i, flag)
					both(i, func(m *member) {
						switch flag {
						case 0:
							m.down = !m.down
						case 1:
							m.drain = !m.drain
						default:
							m.full = !m.full
						}
					})
				case k < 86 && n > 0:
					i, f := r.IntN(n), factors[r.IntN(len(factors))]+int64(r.IntN(2))
					what = fmt.Sprintf("factor %d=%d", i, f)
					both(i, func(m *member) { m.factor = f })
				case k < 88 && n > 0:
					i, s := r.IntN(n), r.IntN(4)-1
					what = fmt.Sprintf("lbset %d=%d", i, s)
					both(i, func(m *member) { m.lbset = s })
				case k < 90 && n > 0:
					i := r.IntN(n)
					what = fmt.Sprintf("standby %d", i)
					both(i, func(m *member) { m.standby = !m.standby })
				case k < 91:
					// Reset, sometimes through another slice that holds
					// only some of the members.
					rs, ls := ref.vs, lazy.vs
					if n > 1 && r.IntN(2) == 0 {
						cut := r.IntN(n)
						rs, ls = slices.Clone(ref.vs[cut:]), slices.Clone(lazy.vs[cut:])
					}
					what = fmt.Sprintf("reset %d", len(rs))
					rm.Reset(rs)
					lm.Reset(ls)
				case k < 95:
					// Reload: a new slice, reordered, maybe with a member
					// more or less.
					ids := slices.Clone(ref.ids)
					r.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
					if len(ids) > 1 && r.IntN(2) == 0 {
						ids = ids[1:]
					} else {
						newMember()
						ids = append(ids, len(ref.all)-1)
					}
					what = fmt.Sprintf("slice %v", ids)
					ref.setSlice(ids)
					lazy.setSlice(ids)
				case n > 0:
					// Another member, not in the slice, takes position i
					// in the same slice.
					i, id := r.IntN(n), r.IntN(len(ref.all))
					if slices.Contains(ref.ids, id) {
						newMember()
						id = len(ref.all) - 1
					}
					what = fmt.Sprintf("replace %d by #%d", i, id)
					ref.ids[i], lazy.ids[i] = id, id
					ref.vs[i], lazy.vs[i] = ref.all[id], lazy.all[id]
					lm.Changed(lazy.vs, i)
				}
				log = append(log, what)
				maxClock = max(maxClock, z.u)
				for _, p := range z.pools {
					maxClock = max(maxClock, p.t)
				}
				for i := range ref.vs {
					if a, b := rm.LBStatus(ref.vs, i), lm.LBStatus(lazy.vs, i); a != b {
						t.Fatalf("op %d (%s): member %d lbstatus %d, indexed %d\n%v\n%v", op, what, i, a, b, log, lbstatus(rm, ref.vs))
					}
				}
			}
			if z.limit != 0 && maxClock > z.limit+1 {
				t.Fatalf("a clock reached %d, past the limit %d", maxClock, z.limit)
			}
		})
	}
}

// mustNewOn returns the method called name bound to sh.
func mustNewOn(t testing.TB, name string, sh *Shared) Method {
	t.Helper()
	m, err := NewShared(name, sh)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// mustNewReported returns the indexed method called name on a Shared with
// clock now.
func mustNewReported(t testing.TB, name string, now func() int64) indexed {
	t.Helper()
	m, err := NewShared(name, Reported(now))
	if err != nil {
		t.Fatal(err)
	}
	return m.(indexed)
}

// indexed is what every indexed method offers beside Method.
type indexed interface {
	Method
	Changed(ms []Member, i int)
}
