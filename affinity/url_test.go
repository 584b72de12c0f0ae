package affinity

import "testing"

func TestFromURL(t *testing.T) {
	tests := []struct {
		name   string
		sticky string // stickysession; "" means JSESSIONID|jsessionid
		scolon bool   // scolonpathdelim
		target string
		want   string // "" means not found
	}{
		{name: "path param", target: "/app;jsessionid=abc.node1", want: "abc.node1"},
		{name: "path param then query", target: "/app;jsessionid=abc.node1?x=1&y=2", want: "abc.node1"},
		{name: "path param ends at its segment", target: "/app;jsessionid=abc.node1/more/path", want: "abc.node1"},
		{name: "path param in a middle segment", target: "/a;jsessionid=abc.node1/b;c=d", want: "abc.node1"},
		{name: "path param in the last segment", target: "/a/b/c;jsessionid=abc.node2", want: "abc.node2"},
		{name: "path param after another", target: "/a;v=1;jsessionid=abc.node1", want: "abc.node1"},
		{name: "second path param without scolonpathdelim", target: "/a;jsessionid=abc.node1;v=2", want: "abc.node1;v=2"},
		{name: "second path param with scolonpathdelim", scolon: true, target: "/a;jsessionid=abc.node1;v=2", want: "abc.node1"},
		{name: "path param ends at &", target: "/a;jsessionid=abc.node1&x=1", want: "abc.node1"},
		{name: "path param at the start", target: ";jsessionid=abc.node1", want: "abc.node1"},
		{name: "path param in absolute form", target: "http://example.com:8080/app;jsessionid=abc.node1?x", want: "abc.node1"},
		{name: "path param name is whole", target: "/a;xjsessionid=abc.node1", want: ""},
		{name: "path param name is case-sensitive", target: "/a;JSESSIONID=abc.node1", want: ""},
		{name: "path param name longer", target: "/a;jsessionidx=abc.node1", want: ""},
		{name: "path param without =", target: "/a;jsessionid", want: ""},
		{name: "path param without value", target: "/a;jsessionid=", want: ""},
		{name: "empty path param, later one", target: "/a;jsessionid=/b;jsessionid=abc.node2", want: "abc.node2"},
		{name: "empty path param, then query", target: "/a;jsessionid=?jsessionid=abc.node2", want: "abc.node2"},
		{name: "path param wins over query", target: "/a;jsessionid=p.node1?jsessionid=q.node2", want: "p.node1"},
		{name: "name alone in the path", target: "/jsessionid=abc.node1", want: ""},
		{name: "percent-encoded ; is no path param", target: "/a%3Bjsessionid=abc.node1", want: ""},
		{name: "percent-encoded value left as is", target: "/a;jsessionid=abc%2Enode1", want: "abc%2Enode1"},
		{name: "query first", target: "/a?jsessionid=abc.node1", want: "abc.node1"},
		{name: "query first of several", target: "/a?jsessionid=abc.node1&x=1", want: "abc.node1"},
		{name: "query middle", target: "/a?x=1&jsessionid=abc.node1&y=2", want: "abc.node1"},
		{name: "query last", target: "/a?x=1&y=2&jsessionid=abc.node1", want: "abc.node1"},
		{name: "query empty then set", target: "/a?jsessionid=&jsessionid=abc.node2", want: "abc.node2"},
		{name: "query empty only", target: "/a?jsessionid=&x=1", want: ""}, // httpd's strtok would return "x=1"
		{name: "query name is whole", target: "/a?xjsessionid=abc.node1", want: ""},
		{name: "query name is case-sensitive", target: "/a?JSESSIONID=abc.node1", want: ""},
		{name: "query name inside a value", target: "/a?next=jsessionid=abc.node1", want: ""},
		{name: "query path param inside a value", target: "/a?next=/b;jsessionid=abc.node1", want: ""},
		{name: "query keeps /", target: "/a?jsessionid=ab/c.node1", want: "ab/c.node1"},
		{name: "query ends at a second ?", target: "/a?jsessionid=abc.node1?x", want: "abc.node1"},
		{name: "query with ; without scolonpathdelim", target: "/a?jsessionid=abc.node1;x=1", want: "abc.node1;x=1"},
		{name: "query with ; with scolonpathdelim", scolon: true, target: "/a?jsessionid=abc.node1;x=1", want: "abc.node1"},
		{name: "query percent-encoded left as is", target: "/a?jsessionid=abc.node1%26x", want: "abc.node1%26x"},
		{name: "query in empty path", target: "?jsessionid=abc.node1", want: "abc.node1"},
		{name: "query && then param", target: "/a?&&jsessionid=abc.node1", want: "abc.node1"},
		{name: "fragment cuts the query", target: "/a?jsessionid=abc.node1#x", want: "abc.node1"},
		{name: "fragment hides a query param", target: "/a?x=1#&jsessionid=abc.node1", want: ""},
		{name: "fragment hides a path param", target: "/a#;jsessionid=abc.node1", want: ""},
		{name: "fragment hides the query", target: "/a#x?jsessionid=abc.node1", want: ""},
		{name: "nothing", target: "/a/b/c?x=1", want: ""},
		{name: "empty", target: "", want: ""},
		{name: "slash", target: "/", want: ""},
		{name: "only separators", target: ";;;?&&&", want: ""},
		{name: "single name serves the URL", sticky: "JSESSIONID", target: "/a;JSESSIONID=abc.node1", want: "abc.node1"},
		{name: "single name is case-sensitive", sticky: "JSESSIONID", target: "/a;jsessionid=abc.node1", want: ""},
		{name: "PHP query", sticky: "PHPSESSID", target: "/index.php?PHPSESSID=abc.node3", want: "abc.node3"},
		{name: "value is kept whole", target: "/a;jsessionid=node0abc123.node1.dc", want: "node0abc123.node1.dc"},
	}
	for _, tt := range tests {
		sticky := tt.sticky
		if sticky == "" {
			sticky = "JSESSIONID|jsessionid"
		}
		s := mustSpec(t, sticky, ".", tt.scolon)
		target := []byte(tt.target)
		v, ok := s.FromURL(target)
		if ok != (tt.want != "") || string(v) != tt.want {
			t.Errorf("%s: FromURL(%q) = %q, %v; want %q", tt.name, tt.target, v, ok, tt.want)
		}
		if ok && !within(v, target) {
			t.Errorf("%s: FromURL(%q) returned bytes outside its input", tt.name, tt.target)
		}
	}
}
