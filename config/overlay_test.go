package config

import (
	"encoding/json"
	"reflect"
	"testing"
)

// edit is a member edit of balancer b.
func edit(member, key string, v any) Edit {
	return Edit{Balancer: "b", Member: member, Key: key, Value: v}
}

// travelled is edits as a store gives them back (JSON).
func travelled(t *testing.T, edits []Edit) []Edit {
	t.Helper()
	b, err := json.Marshal(edits)
	if err != nil {
		t.Fatal(err)
	}
	var out []Edit
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestMergeEdits(t *testing.T) {
	a7, a9 := edit("http://a", "loadfactor", 7), edit("http://a", "loadfactor", 9)
	aSet, bDrain := edit("http://a", "lbset", 1), edit("http://b", "status", []string{"drain"})
	tests := []struct {
		name        string
		base, edits []Edit
		want        []Edit
	}{
		{"empty", nil, nil, []Edit{}},
		{"appends", []Edit{a7}, []Edit{bDrain}, []Edit{a7, bDrain}},
		{"a later edit of a target replaces the earlier", []Edit{a7, aSet}, []Edit{a9}, []Edit{aSet, a9}},
		{"balancer and member keys are other targets", []Edit{{Balancer: "b", Key: "lbset"}}, []Edit{aSet},
			[]Edit{{Balancer: "b", Key: "lbset"}, aSet}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MergeEdits(tt.base, tt.edits); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("MergeEdits = %v, want %v", got, tt.want)
			}
		})
	}
}

// Values compare as JSON gives them back: an edit read from a store is
// the one written, and only a changed value is new.
func TestNewEditsAndSameEdits(t *testing.T) {
	mine := []Edit{edit("http://a", "loadfactor", 7), edit("http://b", "status", []string{"drain"})}
	back := travelled(t, mine)
	if got := NewEdits(back, mine); len(got) != 0 {
		t.Errorf("NewEdits(travelled, mine) = %v, want none", got)
	}
	if !SameEdits(back, mine) {
		t.Error("SameEdits(travelled, mine) = false")
	}
	changed := []Edit{edit("http://a", "loadfactor", 8), mine[1]}
	if got := NewEdits(back, changed); !reflect.DeepEqual(got, changed[:1]) {
		t.Errorf("NewEdits = %v, want %v", got, changed[:1])
	}
	if SameEdits(back, changed) {
		t.Error("SameEdits with another value = true")
	}
	split := []Edit{mine[0], edit("http://b", "status", []string{"drain", "stopped"})}
	if got := NewEdits(back, split); len(got) != 1 {
		t.Errorf("NewEdits with another status list = %v, want it alone", got)
	}
	if got := MissingTargets(mine[:1], mine); !reflect.DeepEqual(got, mine[1:]) {
		t.Errorf("MissingTargets = %v, want %v", got, mine[1:])
	}
}

// A reload keeps the edits whose target the file left as it was.
func TestKeptEdits(t *testing.T) {
	load := func(lf string) *Config {
		t.Helper()
		c, err := Parse("t.yaml", []byte(`
balancers:
  - name: b
    members:
      - url: http://a
        loadfactor: `+lf+`
      - url: http://c
routes:
  - path: /
    balancer: b
`))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	edits := []Edit{edit("http://a", "loadfactor", 5), edit("http://c", "lbset", 1)}
	if got := KeptEdits(load("2"), load("2"), edits); !reflect.DeepEqual(got, edits) {
		t.Errorf("unchanged file: kept %v, want %v", got, edits)
	}
	if got := KeptEdits(load("2"), load("3"), edits); !reflect.DeepEqual(got, edits[1:]) {
		t.Errorf("file changed a's loadfactor: kept %v, want %v", got, edits[1:])
	}
}

func TestDescribeEdits(t *testing.T) {
	got := DescribeEdits([]Edit{edit("http://a", "loadfactor", 5), {Balancer: "b", Key: "lbmethod", Value: "bytraffic"}})
	if want := "b http://a loadfactor=5; b lbmethod=bytraffic"; got != want {
		t.Errorf("DescribeEdits = %q, want %q", got, want)
	}
}
