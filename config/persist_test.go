package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// lineDiff returns the lines of a missing from b and the lines of b not
// in a, by longest common subsequence.
func lineDiff(a, b []string) (removed, added []string) {
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			i, j = i+1, j+1
		case j < len(b) && (i == len(a) || lcs[i][j+1] >= lcs[i+1][j]):
			added = append(added, b[j])
			j++
		default:
			removed = append(removed, a[i])
			i++
		}
	}
	return removed, added
}

// comments returns the comment of every line that has one.
func comments(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if i := strings.Index(l, "#"); i >= 0 {
			out = append(out, strings.TrimSpace(l[i:]))
		}
	}
	return out
}

// TestPersistChangesOnlyTheEditedLines: on a commented file, each edit
// changes exactly the lines it targets, and every comment is still there.
func TestPersistChangesOnlyTheEditedLines(t *testing.T) {
	src, err := os.ReadFile("testdata/commented.good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const shop, n1, n2, n3 = "shop", "http://127.0.0.1:8101", "http://127.0.0.1:8102", "http://127.0.0.1:8103"
	cases := []struct {
		name           string
		edits          []Edit
		removed, added []string
	}{
		{"balancer key, comment keeps its column",
			[]Edit{{Balancer: shop, Key: "lbmethod", Value: "bybusyness"}},
			[]string{"    lbmethod: byrequests          # byrequests | bytraffic | bybusyness"},
			[]string{"    lbmethod: bybusyness          # byrequests | bytraffic | bybusyness"}},
		{"shorter value, comment keeps its column",
			[]Edit{{Balancer: shop, Member: n1, Key: "loadfactor", Value: 2.5}},
			[]string{"        loadfactor: 2             # twice the others"},
			[]string{"        loadfactor: 2.5           # twice the others"}},
		{"new member key after the member's last line",
			[]Edit{{Balancer: shop, Member: n2, Key: "status", Value: []string{"drain"}}},
			nil,
			[]string{"        status: [drain]"}},
		{"key removed",
			[]Edit{{Balancer: shop, Member: n1, Key: "lbset", Value: nil}},
			[]string{"        lbset: 0"},
			nil},
		{"block list replaced by one line",
			[]Edit{{Balancer: shop, Member: n3, Key: "status", Value: []any{"drain"}}},
			[]string{"        status:", "          - hot-standby           # only when the others are down", "          - disabled"},
			[]string{"        status: [drain]"}},
		{"new balancer key after its last member",
			[]Edit{{Balancer: "static", Key: "nofailover", Value: true}},
			nil,
			[]string{"    nofailover: true"}},
		{"member added after the last one",
			[]Edit{AddMember(shop, Member{URL: "http://127.0.0.1:8104", Route: "node4", LoadFactor: 3, Status: []string{"disabled"}})},
			nil,
			[]string{"      - url: http://127.0.0.1:8104", "        route: node4", "        loadfactor: 3", "        status: [disabled]"}},
		{"several edits",
			[]Edit{{Balancer: shop, Member: n2, Key: "redirect", Value: "node3"}, {Balancer: shop, Key: "maxattempts", Value: 1}},
			[]string{"        redirect: node1           # its sessions go to node1 when it is down"},
			[]string{"        redirect: node3           # its sessions go to node1 when it is down", "    maxattempts: 1"}},
		{"quoted where YAML needs it",
			[]Edit{{Balancer: shop, Member: n1, Key: "route", Value: "007"}, {Balancer: shop, Member: n2, Key: "redirect", Value: "007"}},
			[]string{"        route: node1", "        redirect: node1           # its sessions go to node1 when it is down"},
			[]string{`        route: "007"`, `        redirect: "007"           # its sessions go to node1 when it is down`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "balancer.yaml")
			if err := os.WriteFile(path, src, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := Persist(path, tc.edits...); err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(path)
			removed, added := lineDiff(strings.Split(string(src), "\n"), strings.Split(string(got), "\n"))
			if strings.Join(removed, "\n") != strings.Join(tc.removed, "\n") || strings.Join(added, "\n") != strings.Join(tc.added, "\n") {
				t.Fatalf("removed %q\nadded %q\nwant removed %q\nadded %q\n%s", removed, added, tc.removed, tc.added, got)
			}
			kept := comments(string(src))
			for _, r := range tc.removed {
				kept = without(kept, comments(r))
			}
			have := comments(string(got))
			if !isSubsequence(kept, have) || len(have) != len(kept)+len(comments(strings.Join(tc.added, "\n"))) {
				t.Errorf("comments changed:\n%q\nwant\n%q", have, kept)
			}
			if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
				t.Errorf("mode %v, want 0600", st.Mode().Perm())
			}
			if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
				t.Errorf("%d files in the directory, want 1 (temporary file left?)", len(entries))
			}
			base, _ := Parse("before", src)
			want2, err := WithEdits(base, tc.edits)
			if err != nil {
				t.Fatal(err)
			}
			after, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if a, b := summary(after), summary(want2); a != b {
				t.Errorf("file reads back as\n%s\nwant (the edits applied in memory)\n%s", a, b)
			}
		})
	}
}

// without removes from list the first occurrence of each of drop.
func without(list, drop []string) []string {
	out := append([]string(nil), list...)
	for _, d := range drop {
		for i, x := range out {
			if x == d {
				out = append(out[:i], out[i+1:]...)
				break
			}
		}
	}
	return out
}

// isSubsequence reports whether sub appears in list in order.
func isSubsequence(sub, list []string) bool {
	i := 0
	for _, x := range list {
		if i < len(sub) && x == sub[i] {
			i++
		}
	}
	return i == len(sub)
}

// summary renders the fields edits touch, to compare configurations.
func summary(c *Config) string {
	var b strings.Builder
	for _, bal := range c.Balancers {
		b.WriteString(bal.Name + " " + bal.LBMethod + " " + bal.StickySession)
		if bal.NoFailover {
			b.WriteString(" nofailover")
		}
		b.WriteString(" attempts=" + itoa(bal.Attempts()) + "\n")
		for _, m := range bal.Members {
			b.WriteString("  " + m.URL + " " + m.Route + " lf=" + ftoa(m.LoadFactor) + " set=" + itoa(m.LBSet) +
				" status=" + strings.Join(m.Status, ",") + " redirect=" + m.Redirect + "\n")
		}
	}
	return b.String()
}

func itoa(i int) string { s, _ := inlineYAML(i); return s }

func ftoa(f float64) string { s, _ := inlineYAML(f); return s }

// TestPersistFallsBackToEncoding: an edit the text cannot take (a
// flow-style member) is written by encoding the tree, which keeps the
// comments and the file's indentation.
func TestPersistFallsBackToEncoding(t *testing.T) {
	src := `# Four-space indentation, a flow-style member.
balancers:
    -   name: c                 # the cluster
        members:
            - {url: "http://127.0.0.1:8101", route: n1}    # flow
            -   url: http://127.0.0.1:8102
                route: n2
# the routes
routes:
    - {path: /, balancer: c}
`
	path := filepath.Join(t.TempDir(), "b.yaml")
	os.WriteFile(path, []byte(src), 0o644)
	if err := Persist(path, Edit{Balancer: "c", Member: "http://127.0.0.1:8101", Key: "loadfactor", Value: 4}); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if lf := c.Balancer("c").Member("http://127.0.0.1:8101").LoadFactor; lf != 4 {
		t.Errorf("loadfactor %v, want 4", lf)
	}
	if have, want := comments(string(got)), comments(src); strings.Join(have, "\n") != strings.Join(want, "\n") {
		t.Errorf("comments %q, want %q\n%s", have, want, got)
	}
	if !strings.Contains(string(got), "\n    - name: c") || !strings.Contains(string(got), "\n    - {path: /, balancer: c}") {
		t.Errorf("indentation not kept at 4:\n%s", got)
	}
}

// TestPatchText covers text edits beyond the commented file's.
func TestPatchText(t *testing.T) {
	crlf := strings.ReplaceAll("balancers:\n  - name: c\n    members:\n      - url: http://127.0.0.1:8101\nroutes:\n  - path: /\n    balancer: c\n", "\n", "\r\n")
	cases := []struct {
		name, src string
		edit      Edit
		want      string
	}{
		{"crlf kept", crlf, Edit{Balancer: "c", Member: "http://127.0.0.1:8101", Key: "route", Value: "n1"},
			strings.Replace(crlf, "8101\r\n", "8101\r\n        route: n1\r\n", 1)},
		{"no final line break", "routes: [{path: /, balancer: c}]\nbalancers:\n  - name: c\n    members:\n      - url: http://127.0.0.1:8101",
			AddMember("c", Member{URL: "http://127.0.0.1:8102"}),
			"routes: [{path: /, balancer: c}]\nbalancers:\n  - name: c\n    members:\n      - url: http://127.0.0.1:8101\n      - url: http://127.0.0.1:8102\n"},
		{"empty value given one", "balancers:\n  - name: c\n    members:\n      - url: http://127.0.0.1:8101\n        redirect:\n        route: n1\n      - url: http://127.0.0.1:8102\n        route: n2\n",
			Edit{Balancer: "c", Member: "http://127.0.0.1:8101", Key: "redirect", Value: "n2"},
			"balancers:\n  - name: c\n    members:\n      - url: http://127.0.0.1:8101\n        redirect: n2\n        route: n1\n      - url: http://127.0.0.1:8102\n        route: n2\n"},
		{"empty value with a comment", "balancers:\n  - name: c\n    stickysession:        # none yet\n    members: [{url: \"http://h\"}]\n",
			Edit{Balancer: "c", Key: "stickysession", Value: "SID"},
			"balancers:\n  - name: c\n    stickysession: SID    # none yet\n    members: [{url: \"http://h\"}]\n"},
		{"quoted value with a hash", "balancers:\n  - name: c # x\n    stickysession: \"A#B\" # c\n    members: [{url: \"http://h\"}]\n",
			Edit{Balancer: "c", Key: "stickysession", Value: "SIDX"},
			"balancers:\n  - name: c # x\n    stickysession: SIDX  # c\n    members: [{url: \"http://h\"}]\n"},
		{"multi-line string replaced", "balancers:\n  - name: c\n    stickysession: >-\n      JSESSIONID\n    members:\n      - url: http://h\n",
			Edit{Balancer: "c", Key: "stickysession", Value: "SID"},
			"balancers:\n  - name: c\n    stickysession: SID\n    members:\n      - url: http://h\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Patch([]byte(tc.src), tc.edit)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Fatalf("got\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

func TestPersistRefuses(t *testing.T) {
	src, _ := os.ReadFile("testdata/commented.good.yaml")
	anchored := "balancers:\n  - name: c\n    members:\n      - &n\n        url: http://127.0.0.1:8101\n        timeout: &t 30s\n      - <<: *n\n        url: http://127.0.0.1:8102\n        retry: *t\nroutes: [{path: /, balancer: c}]\n"
	cases := []struct {
		name, src string
		edit      Edit
		want      string
	}{
		{"invalid result", string(src), Edit{Balancer: "shop", Member: "http://127.0.0.1:8101", Key: "loadfactor", Value: 0},
			"not written: the edited file would be invalid:\n" + "@:18: balancers[0].members[0].loadfactor: must be between 1 and 100, got 0"},
		{"unknown key", string(src), Edit{Balancer: "shop", Key: "lbmethd", Value: "bytraffic"},
			"not written: the edited file would be invalid:\n" + `@:31: balancers[0].lbmethd: unknown field (did you mean "lbmethod"?)`},
		{"no such balancer", string(src), Edit{Balancer: "nope", Key: "lbmethod", Value: "bytraffic"}, `no balancer "nope" in the file`},
		{"no such member", string(src), Edit{Balancer: "shop", Member: "http://nope", Key: "lbset", Value: 1}, `no member "http://nope" in balancer "shop" in the file`},
		{"member already there", string(src), AddMember("shop", Member{URL: "http://127.0.0.1:8101"}), `member "http://127.0.0.1:8101" is already in the file`},
		{"anchored member", anchored, Edit{Balancer: "c", Member: "http://127.0.0.1:8101", Key: "loadfactor", Value: 2},
			"the edited entry is anchored (&n) and used elsewhere, which the edit would change too: edit the file by hand"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "balancer.yaml")
			os.WriteFile(path, []byte(tc.src), 0o644)
			err := Persist(path, tc.edit)
			want := path + ": " + strings.ReplaceAll(tc.want, "@:", path+":")
			if strings.HasPrefix(tc.want, "not written") {
				want = path + " " + strings.ReplaceAll(tc.want, "@:", path+":")
			}
			if err == nil || err.Error() != want {
				t.Fatalf("got  %v\nwant %s", err, want)
			}
			if got, _ := os.ReadFile(path); string(got) != tc.src {
				t.Fatal("file changed")
			}
		})
	}
}

// TestPersistAnchoredValueLeftAlone: a value that only merges use keeps
// working when a member that does not share it is edited.
func TestPersistMergedMember(t *testing.T) {
	src, _ := os.ReadFile("testdata/anchors.good.yaml")
	path := filepath.Join(t.TempDir(), "b.yaml")
	os.WriteFile(path, src, 0o644)
	if err := Persist(path, Edit{Balancer: "shop", Member: "http://127.0.0.1:8102", Key: "loadfactor", Value: 5}); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	b := c.Balancer("shop")
	if b.Members[0].LoadFactor != 1 || b.Members[1].LoadFactor != 5 || b.Members[1].Timeout.D().String() != "30s" {
		t.Fatalf("members %+v", b.Members)
	}
}

func TestPersistUnchangedFileNotWritten(t *testing.T) {
	src, _ := os.ReadFile("testdata/commented.good.yaml")
	path := filepath.Join(t.TempDir(), "balancer.yaml")
	os.WriteFile(path, src, 0o644)
	before, _ := os.Stat(path)
	if err := Persist(path, Edit{Balancer: "shop", Key: "lbmethod", Value: "byrequests"}, Edit{Balancer: "static", Key: "timeout", Value: nil}); err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(path)
	if !os.SameFile(before, after) {
		t.Fatal("the file was replaced")
	}
}

func TestPersistFollowsSymlink(t *testing.T) {
	dir := t.TempDir()
	src, _ := os.ReadFile("testdata/commented.good.yaml")
	real := filepath.Join(dir, "real.yaml")
	link := filepath.Join(dir, "balancer.yaml")
	os.WriteFile(real, src, 0o640)
	if err := os.Symlink("real.yaml", link); err != nil {
		t.Fatal(err)
	}
	if err := Persist(link, Edit{Balancer: "shop", Key: "lbmethod", Value: "bytraffic"}); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced: %v %v", st, err)
	}
	got, _ := os.ReadFile(real)
	if !strings.Contains(string(got), "lbmethod: bytraffic ") {
		t.Fatalf("target not edited:\n%s", got)
	}
	if st, _ := os.Stat(real); st.Mode().Perm() != 0o640 {
		t.Errorf("mode %v", st.Mode().Perm())
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
		{Balancer: "mycluster", Key: "lbmethod", Value: "bybusyness"},
		AddMember("mycluster", Member{URL: "http://127.0.0.1:8103", Route: "node3", Status: []string{"Drain"}}),
	})
	if err != nil {
		t.Fatal(err)
	}
	b := c.Balancers[0]
	if b.Members[0].LoadFactor != 3 || b.Timeout.D().String() != "2s" || len(b.Members) != 3 || b.Members[2].LoadFactor != 1 || !b.Members[2].Has("drain") {
		t.Fatalf("edits not applied: %+v", b)
	}
	if base.Balancers[0].Members[0].LoadFactor != 1 || len(base.Balancers[0].Members) != 2 || base.Balancers[0].LBMethod != "byrequests" {
		t.Fatal("base changed")
	}
	c, err = WithEdits(c, []Edit{
		{Balancer: "mycluster", Member: "http://127.0.0.1:8101", Key: "loadfactor", Value: nil},
		{Balancer: "mycluster", Key: "lbmethod", Value: nil},
	})
	if err != nil {
		t.Fatal(err)
	}
	if b := c.Balancers[0]; b.Members[0].LoadFactor != 1 || b.LBMethod != "byrequests" || b.Timeout.D().String() != "2s" {
		t.Fatalf("removed keys did not return to their defaults: %+v", b)
	}
	bad := []struct {
		edit Edit
		want string
	}{
		{Edit{Balancer: "mycluster", Member: "http://127.0.0.1:8101", Key: "loadfactor", Value: 0}, "balancers[0].members[0].loadfactor: must be between 1 and 100, got 0"},
		{Edit{Balancer: "mycluster", Member: "http://127.0.0.1:8101", Key: "redirect", Value: "node7"}, `balancers[0].members[0].redirect: no member of this balancer has route "node7"`},
		{Edit{Balancer: "mycluster", Member: "http://127.0.0.1:8101", Key: "url", Value: "x"}, "balancers[0].members[0].url: not editable at runtime"},
		{Edit{Balancer: "mycluster", Key: "timeout", Value: "soon"}, `balancers[0].timeout: invalid duration "soon" (want e.g. "5s", "250ms")`},
		{Edit{Balancer: "nope", Key: "lbmethod", Value: "bytraffic"}, `balancers: unknown balancer "nope"`},
		{AddMember("mycluster", Member{URL: "http://127.0.0.1:8101"}), `balancers[0].members: member "http://127.0.0.1:8101" exists`},
	}
	for _, tc := range bad {
		if _, err := WithEdits(base, []Edit{tc.edit}); err == nil || err.Error() != tc.want {
			t.Errorf("got  %v\nwant %s", err, tc.want)
		}
	}
}

// FuzzPatch: Patch never panics on any file, and what it returns decodes
// to the file with the edit made.
func FuzzPatch(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.good.yaml")
	for _, p := range files {
		b, _ := os.ReadFile(p)
		for k := range uint8(6) {
			f.Add(b, k, "2")
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, kind uint8, value string) {
		doc, err := parseDoc(data)
		if err != nil {
			return
		}
		bal, member := "", ""
		if b := mapValue(doc.Content[0], "balancers"); b != nil && b.Kind == 2 && len(b.Content) > 0 {
			first := b.Content[0]
			if v := mapValue(first, "name"); v != nil {
				bal = v.Value
			}
			if ms := mapValue(first, "members"); ms != nil && len(ms.Content) > 0 {
				if v := mapValue(ms.Content[0], "url"); v != nil {
					member = v.Value
				}
			}
		}
		edits := []Edit{
			{Balancer: bal, Member: member, Key: "loadfactor", Value: value},
			{Balancer: bal, Member: member, Key: "route", Value: nil},
			{Balancer: bal, Member: member, Key: "status", Value: []string{value, "x"}},
			{Balancer: bal, Key: "lbmethod", Value: value},
			{Balancer: bal, Key: "timeout", Value: nil},
			AddMember(bal, Member{URL: "http://" + value, Route: value, LoadFactor: 2}),
		}
		e := edits[int(kind)%len(edits)]
		out, err := Patch(data, e)
		if err != nil {
			return
		}
		want, _ := parseDoc(data)
		if applyNode(want, e) != nil || !sameYAML(out, want) {
			t.Fatalf("Patch result differs from the edit:\n%s", out)
		}
	})
}
