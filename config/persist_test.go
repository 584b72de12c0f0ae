package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPersistChangesOnlyTheEditedLines(t *testing.T) {
	src, err := os.ReadFile("testdata/minimal.good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		edit    Edit
		changed map[int]string // line number → new line
		added   []string       // lines inserted
	}{
		{"balancer key", Edit{Balancer: "mycluster", Key: "lbmethod", Value: "bybusyness"},
			map[int]string{6: "    lbmethod: bybusyness          # byrequests | bytraffic | bybusyness"}, nil},
		{"new member key", Edit{Balancer: "mycluster", Member: "http://127.0.0.1:8102", Key: "status", Value: []string{"drain"}},
			nil, []string{"        status: [drain]"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "balancer.yaml")
			os.WriteFile(path, src, 0o600)
			if err := Persist(path, tc.edit); err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(path)
			before, after := strings.Split(string(src), "\n"), strings.Split(string(got), "\n")
			if len(after) != len(before)+len(tc.added) {
				t.Fatalf("line count %d → %d:\n%s", len(before), len(after), got)
			}
			var extra []string
			j := 0
			for i := range after {
				if j < len(before) && after[i] == before[j] {
					j++
					continue
				}
				if want, ok := tc.changed[j+1]; ok {
					if after[i] != want {
						t.Errorf("line %d = %q, want %q", j+1, after[i], want)
					}
					j++
					continue
				}
				extra = append(extra, after[i])
			}
			if strings.Join(extra, "\n") != strings.Join(tc.added, "\n") {
				t.Errorf("added lines %q, want %q\n%s", extra, tc.added, got)
			}
			if !strings.Contains(string(got), "# longest prefix wins") {
				t.Error("comments lost")
			}
			st, _ := os.Stat(path)
			if st.Mode().Perm() != 0o600 {
				t.Errorf("mode %v, want 0600", st.Mode().Perm())
			}
			if _, err := Load(path); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestPersistRefusesAnInvalidResult(t *testing.T) {
	src, _ := os.ReadFile("testdata/minimal.good.yaml")
	path := filepath.Join(t.TempDir(), "balancer.yaml")
	os.WriteFile(path, src, 0o644)
	err := Persist(path, Edit{Balancer: "mycluster", Member: "http://127.0.0.1:8101", Key: "loadfactor", Value: 0})
	if err == nil {
		t.Fatal("an invalid edit was written")
	}
	got, _ := os.ReadFile(path)
	if string(got) != string(src) {
		t.Fatal("file changed")
	}
}

func TestWithEdits(t *testing.T) {
	base, err := Load("testdata/minimal.good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := WithEdits(base, []Edit{
		{Balancer: "mycluster", Member: "http://127.0.0.1:8101", Key: "loadfactor", Value: 3},
		{Balancer: "mycluster", Key: "timeout", Value: "2s"},
		AddMember("mycluster", Member{URL: "http://127.0.0.1:8103", Route: "node3"}),
	})
	if err != nil {
		t.Fatal(err)
	}
	b := c.Balancers[0]
	if b.Members[0].LoadFactor != 3 || b.Timeout.D().String() != "2s" || len(b.Members) != 3 || b.Members[2].LoadFactor != 1 {
		t.Fatalf("edits not applied: %+v", b)
	}
	if base.Balancers[0].Members[0].LoadFactor != 1 || len(base.Balancers[0].Members) != 2 {
		t.Fatal("base changed")
	}
	_, err = WithEdits(base, []Edit{{Balancer: "mycluster", Member: "http://127.0.0.1:8101", Key: "loadfactor", Value: 0}})
	if err == nil || err.Error() != "balancers[0].members[0].loadfactor: must be between 1 and 100, got 0" {
		t.Fatalf("got %v", err)
	}
	_, err = WithEdits(base, []Edit{{Balancer: "mycluster", Member: "http://127.0.0.1:8101", Key: "url", Value: "x"}})
	if err == nil || !strings.Contains(err.Error(), "not editable") {
		t.Fatalf("got %v", err)
	}
}
