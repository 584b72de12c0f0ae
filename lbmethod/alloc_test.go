package lbmethod

import "testing"

func TestNoAllocations(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("coverage counters distort allocation counts")
	}
	for _, method := range testMethods {
		t.Run(method, func(t *testing.T) {
			ms, vs := group(3, 1, 1, 2)
			ms[1].lbset = 1
			ms[2].standby = true
			lb := mustNew(t, method)
			ops := []struct {
				name string
				f    func()
			}{
				{"Choose", func() { lb.Choose(vs) }},
				{"Stick", func() { lb.Stick(vs, 1) }},
				{"Reset", func() { lb.Reset(vs) }},
				{"LBStatus", func() { lb.LBStatus(vs, 0) }},
			}
			for _, op := range ops {
				if n := testing.AllocsPerRun(100, op.f); n != 0 {
					t.Errorf("%s: %v allocations per call, want 0", op.name, n)
				}
			}
		})
	}
}
