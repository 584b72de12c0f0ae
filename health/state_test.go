package health

import "testing"

// riseCases are sequences of check results ('+' pass, '-' fail) with the
// transition each one must cause ('D' down, 'U' up, '.' none). They drive
// both the counter alone and a Checker against a real member.
var riseCases = []struct {
	name          string
	fails, passes int
	results, want string
}{
	{"one and one", 1, 1, "-+-+", "DUDU"},
	{"passing stays quiet", 3, 2, "+++++", "....."},
	{"failing stays quiet", 1, 1, "----", "D..."},
	// httpd's hcheck would trip at the third failure here: its fcount is
	// not reset by the success in between.
	{"fails are consecutive", 3, 2, "--+--+---", "........D"},
	{"passes are consecutive", 2, 3, "--++-+++--", ".D.....U.D"},
	{"recovery restarts the fail count", 2, 1, "--+-+--", ".DU...D"},
}

func TestRise(t *testing.T) {
	for _, tc := range riseCases {
		t.Run(tc.name, func(t *testing.T) {
			var r rise
			for i, c := range []byte(tc.results) {
				got := byte('.')
				if r.observe(c == '+', tc.fails, tc.passes) {
					got = 'U'
					if r.failed {
						got = 'D'
					}
				}
				if got != tc.want[i] {
					t.Fatalf("result %d (%c): got %c, want %c", i, c, got, tc.want[i])
				}
			}
		})
	}
}
