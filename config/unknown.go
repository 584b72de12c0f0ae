package config

import (
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// index records the line of every key of the file by field path
// ("balancers[0].members[1].loadfactor") and collects errors. yaml.v3's
// Node.Decode does not reject unknown keys, so walk checks them against the
// structs' yaml tags.
type index struct {
	file  string
	lines map[string]int
	errs  Errors
}

var configType = reflect.TypeOf(Config{})

// has reports whether the file sets path.
func (x *index) has(path string) bool { _, ok := x.lines[path]; return ok }

// line returns the line of path or of its closest parent present.
func (x *index) line(path string) int {
	for p := path; p != ""; p = parent(p) {
		if n, ok := x.lines[p]; ok {
			return n
		}
	}
	return 1
}

func parent(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

func (x *index) errorAt(line int, field, msg string) *FieldError {
	return &FieldError{File: x.file, Line: line, Field: field, Msg: msg}
}

// add records a problem with path.
func (x *index) add(path, format string, args ...any) {
	x.errs = append(x.errs, x.errorAt(x.line(path), path, fmt.Sprintf(format, args...)))
}

var typeErrLine = regexp.MustCompile(`^line (\d+): (.*)$`)

// typeError maps a yaml.v3 decode message ("line 7: cannot unmarshal …")
// to the field at that line.
func (x *index) typeError(m string) *FieldError {
	if s := typeErrLine.FindStringSubmatch(m); s != nil {
		n, _ := strconv.Atoi(s[1])
		field := ""
		for p, l := range x.lines {
			if l == n && len(p) > len(field) {
				field = p
			}
		}
		return x.errorAt(n, field, s[2])
	}
	return x.errorAt(1, "", m)
}

// walk records lines and reports unknown keys below n, whose Go type is t.
func (x *index) walk(n *yaml.Node, t reflect.Type, path string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	switch {
	case t == reflect.TypeOf(Listeners{}):
		if n.Kind == yaml.SequenceNode {
			for i, c := range n.Content {
				p := fmt.Sprintf("%s[%d]", path, i)
				x.lines[p] = c.Line
				if c.Kind == yaml.MappingNode {
					x.walk(c, reflect.TypeOf(Listener{}), p)
				}
			}
		} else if n.Kind == yaml.MappingNode {
			x.walk(n, reflect.TypeOf(Listener{}), path)
		}
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := k.Value
			if path != "" {
				p = path + "." + k.Value
			}
			f, ok := fields[k.Value]
			if !ok {
				x.errs = append(x.errs, x.errorAt(k.Line, p, "unknown field"+suggest(k.Value, fields)))
				continue
			}
			if _, dup := x.lines[p]; dup {
				x.errs = append(x.errs, x.errorAt(k.Line, p, "set twice"))
			}
			x.lines[p] = v.Line
			x.walk(v, f, p)
		}
	case t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		for i, c := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			x.lines[p] = c.Line
			x.walk(c, t.Elem(), p)
		}
	}
}

// yamlFields maps yaml keys to field types.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f.Type
	}
	return out
}

// suggest names the closest known key when one is close.
func suggest(key string, fields map[string]reflect.Type) string {
	best, bestD := "", 3
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if d := distance(strings.ToLower(key), k); d < bestD {
			best, bestD = k, d
		}
	}
	if best == "" {
		return " (known: " + strings.Join(names, ", ") + ")"
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// distance is the Levenshtein distance.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
