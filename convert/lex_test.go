package convert

import (
	"reflect"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func TestLogicalLines(t *testing.T) {
	cases := []struct {
		in   string
		want []logical
	}{
		{"a\nb\n", []logical{{1, "a"}, {2, "b"}}},
		{"  # comment\n\nA b \\\n  c\nd", []logical{{3, "A b   c"}, {5, "d"}}},
		{"x \\ \ny\r\n", []logical{{1, `x \`}, {2, "y"}}}, // a blank after the backslash ends the line, as in httpd
		{"# a \\\nb\n", nil}, // a continued comment stays a comment
		{"last \\", []logical{{1, `last \`}}},
	}
	for _, tc := range cases {
		got := logicalLines(tc.in)
		if len(got) == 0 && len(tc.want) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("logicalLines(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestWords(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{`ProxyPass / balancer://c/`, []string{"ProxyPass", "/", "balancer://c/"}},
		{`Header add Set-Cookie "ROUTEID=.%{X}e; path=/" env=Y`, []string{"Header", "add", "Set-Cookie", "ROUTEID=.%{X}e; path=/", "env=Y"}},
		{`A 'single quoted' "with \"escape\"" a"b`, []string{"A", "single quoted", `with "escape"`, `a"b`}},
		{`A "unterminated`, []string{"A", "unterminated"}},
		{"\tA\t\tb ", []string{"A", "b"}},
		{`A ""`, []string{"A", ""}},
	}
	for _, tc := range cases {
		if got := words(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("words(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSubstitute(t *testing.T) {
	defs := map[string]string{"A": "x", "B": ""}
	cases := []struct {
		in, want string
		missing  []string
	}{
		{"${A}:${B}/${C}", "x:/${C}", []string{"C"}},
		{"no vars", "no vars", nil},
		{"${A", "${A", nil},
		{"$${A}}", "$x}", nil},
	}
	for _, tc := range cases {
		got, missing := substitute(tc.in, defs)
		if got != tc.want || !reflect.DeepEqual(missing, tc.missing) {
			t.Errorf("substitute(%q) = %q %v, want %q %v", tc.in, got, missing, tc.want, tc.missing)
		}
	}
}

func TestDurations(t *testing.T) {
	cases := []struct {
		in   string
		unit time.Duration
		want time.Duration
		text string
		bad  bool
	}{
		{"60", time.Second, time.Minute, "60s", false},
		{"500ms", time.Second, 500 * time.Millisecond, "500ms", false},
		{"2mi", time.Second, 2 * time.Minute, "120s", false},
		{"1h", time.Second, time.Hour, "3600s", false},
		{"5S", time.Second, 5 * time.Second, "5s", false},
		{"0", time.Second, 0, "0s", false},
		{"1.5", time.Second, 0, "", true},
		{"-1", time.Second, 0, "", true},
		{"5m", time.Second, 0, "", true},
		{"99999999999h", time.Second, 0, "", true},
		{"", time.Second, 0, "", true},
	}
	for _, tc := range cases {
		got, err := parseDuration(tc.in, tc.unit)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("parseDuration(%q) = %v, %v; want %v (bad %v)", tc.in, got, err, tc.want, tc.bad)
			continue
		}
		if !tc.bad && goDuration(got) != tc.text {
			t.Errorf("goDuration(%v) = %q, want %q", got, goDuration(got), tc.text)
		}
	}
	if got := goDuration(1500 * time.Microsecond); got != "1.5ms" {
		t.Errorf("goDuration(1.5ms) = %q", got)
	}
}

func TestStatusRanges(t *testing.T) {
	cases := []struct{ expr, want string }{
		{"%{REQUEST_STATUS} =~ /^[234]/", "200-499"},
		{"%{REQUEST_STATUS} =~ /^[23]/", "200-399"},
		{"%{REQUEST_STATUS} =~ /^[2-3]/", "200-399"},
		{"%{REQUEST_STATUS} =~ /^[25]/", "200-299,500-599"},
		{"%{REQUEST_STATUS} =~ /^2/", "200-299"},
		{"%{REQUEST_STATUS} == 204", "204"},
		{"%{REQUEST_STATUS} -eq '200'", "200"},
		{"hc('body') !~ /maint/", ""},
		{"%{REQUEST_STATUS} =~ /^[09]/", ""},
	}
	for _, tc := range cases {
		r, ok := statusRanges(tc.expr)
		got := ""
		if ok {
			got = formatRanges(r)
		}
		if got != tc.want {
			t.Errorf("statusRanges(%q) = %q, want %q", tc.expr, got, tc.want)
		}
	}
}

// TestScalar checks that every written value reads back as the same string.
func TestScalar(t *testing.T) {
	for _, s := range []string{"plain", "1", "true", "on", "~", "null", "JSESSIONID|jsessionid", "http://h:1/a", "/", ":80",
		"a: b", "#x", "x #y", "'q'", `"dq"`, `back\slash`, "tab\there", "cr\rlf\n", "-", "- x", "@x", "%x", "*x", "&x", "!x",
		"{x}", "[x]", "x,y", "ünï", "\x00\x7f\u0085\u2028", "\xff\xfe", "1e3", "0x10", ".5", "2.5", "yes", "Y", "=", "<<"} {
		var back string
		doc := "k: " + scalar(s) + "\n"
		var m map[string]string
		if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
			t.Errorf("scalar(%q) = %s: %v", s, scalar(s), err)
			continue
		}
		back = m["k"]
		want := s
		if s == "\xff\xfe" {
			want = "\ufffd\ufffd"
		}
		if back != want {
			t.Errorf("scalar(%q) = %s reads back as %q", s, scalar(s), back)
		}
	}
}
