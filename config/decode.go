package config

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// decoder fills a Config from a yaml.Node tree. yaml.v3's Node.Decode does
// not honour KnownFields, and the lines of its type errors name no field,
// so the walk is done here against the structs' yaml tags: every key is
// checked, every value is decoded on its own so that a bad one carries its
// field path and line, and the line of every field is recorded for the
// validation that follows. Decoding goes on after a problem, so that one
// run reports them all.
type decoder struct {
	file    string
	docLine int             // line of the top-level mapping
	lines   map[string]int  // field path → line of its value
	set     map[string]bool // field paths the file gives a non-null value
	bad     map[string]bool // field paths whose value did not decode
	errs    Errors
	edit    bool // validating an edit: there is no file, so no lines
	// nodes counts the nodes visited, aliases expanded, up to maxNodes;
	// overflow then stops the walk of a document whose aliases expand
	// without bound (a "billion laughs" file).
	nodes, maxNodes int
	overflow        bool
	dropped         int // problems past maxErrors
}

// expansionBound is how many nodes a document of n nodes may expand to
// through aliases: generous for defaults shared by anchors, small
// enough to stop an exponential expansion within milliseconds.
func expansionBound(n int) int { return 10*n + 10000 }

// countNodes counts the nodes of a tree as written, aliases unexpanded.
func countNodes(n *yaml.Node) int {
	c := 1
	for _, x := range n.Content {
		c += countNodes(x)
	}
	return c
}

func newDecoder(file string) *decoder {
	return &decoder{file: file, lines: map[string]int{}, set: map[string]bool{}, bad: map[string]bool{}}
}

var (
	listenersType   = reflect.TypeOf(Listeners{})
	unmarshalerType = reflect.TypeOf((*yaml.Unmarshaler)(nil)).Elem()
)

// fail records a value that did not decode; validation then stays quiet
// about that field.
func (d *decoder) fail(line int, path, msg string) {
	d.bad[path] = true
	d.report(&FieldError{File: d.file, Line: line, Field: path, Msg: msg})
}

// maxErrors bounds the problems reported for one file: past it, a file
// is wrong throughout (or an alias repeats one mistake many times) and
// the rest are counted, not listed.
const maxErrors = 100

// full reports whether maxErrors problems are listed already.
func (d *decoder) full() bool { return len(d.errs) >= maxErrors }

func (d *decoder) report(e *FieldError) {
	if d.full() {
		d.dropped++
		return
	}
	d.errs = append(d.errs, e)
}

// result is the sorted list of problems, nil when there are none.
func (d *decoder) result() Errors {
	if len(d.errs) == 0 {
		return nil
	}
	out := d.errs.sorted()
	if d.dropped > 0 {
		out = append(out, &FieldError{File: d.file, Msg: fmt.Sprintf("and %d more problems", d.dropped)})
	}
	return out
}

// decode fills v, found at path, from n.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	if !d.spend(n, path) {
		return
	}
	n = resolve(n)
	if n == nil || isNull(n) {
		return // as yaml.v3 does: null leaves the zero value
	}
	t := v.Type()
	switch {
	case t == listenersType:
		d.listeners(n, v, path)
	case t.Kind() == reflect.Pointer:
		p := reflect.New(t.Elem())
		d.decode(n, p.Elem(), path)
		v.Set(p)
	case reflect.PointerTo(t).Implements(unmarshalerType):
		if err := n.Decode(v.Addr().Interface()); err != nil {
			d.fail(n.Line, path, decodeMessage(err))
		}
	case t.Kind() == reflect.Struct:
		d.mapping(n, v, path)
	case t.Kind() == reflect.Slice:
		d.sequence(n, v, path)
	default:
		d.scalar(n, v, path)
	}
}

// spend counts one node visited and reports whether the walk may go on.
func (d *decoder) spend(n *yaml.Node, path string) bool {
	if d.nodes++; d.maxNodes == 0 || d.nodes <= d.maxNodes {
		return true
	}
	if !d.overflow {
		d.overflow = true
		d.fail(n.Line, "", fmt.Sprintf("aliases expand the document past %d values; write the values out", d.maxNodes))
	}
	return false
}

// mapping fills the struct v from the mapping n. Keys given twice are an
// error; "<<: *anchor" merges supply the keys not given explicitly, the
// first merged mapping winning, as YAML merge keys do.
func (d *decoder) mapping(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.fail(n.Line, path, "want a mapping (key: value lines), got "+describe(n))
		return
	}
	fields := yamlFields(v.Type())
	given := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if isMerge(k) {
			continue
		}
		p := join(path, k.Value)
		if k.Kind != yaml.ScalarNode {
			d.fail(k.Line, path, "a key must be a plain name, got "+describe(k))
			continue
		}
		if first, dup := given[k.Value]; dup {
			d.fail(k.Line, p, fmt.Sprintf("given twice (first at line %d)", first))
			continue
		}
		given[k.Value] = k.Line
		d.field(v, fields, k, val, p)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if isMerge(n.Content[i]) {
			d.merge(n.Content[i+1], v, fields, path, given)
		}
	}
}

// merge applies the keys of a "<<" value not given already.
func (d *decoder) merge(src *yaml.Node, v reflect.Value, fields map[string]int, path string, given map[string]int) {
	if !d.spend(src, path) {
		return
	}
	line := src.Line
	src = resolve(src)
	switch {
	case src == nil:
	case src.Kind == yaml.SequenceNode:
		for _, s := range src.Content {
			d.merge(s, v, fields, path, given)
		}
	case src.Kind != yaml.MappingNode:
		d.fail(line, join(path, "<<"), "a merge wants a mapping or a list of mappings, got "+describe(src))
	default:
		for i := 0; i+1 < len(src.Content); i += 2 {
			k, val := src.Content[i], src.Content[i+1]
			if isMerge(k) {
				d.merge(val, v, fields, path, given)
				continue
			}
			if _, done := given[k.Value]; done || k.Kind != yaml.ScalarNode {
				continue
			}
			given[k.Value] = k.Line
			d.field(v, fields, k, val, join(path, k.Value))
		}
	}
}

// field decodes one key of a struct.
func (d *decoder) field(v reflect.Value, fields map[string]int, k, val *yaml.Node, p string) {
	i, ok := fields[k.Value]
	if !ok {
		msg := "unknown field"
		if !d.full() { // the hint costs a walk of the schema
			msg += hint(k.Value, v.Type(), fields)
		}
		d.fail(k.Line, p, msg)
		return
	}
	d.lines[p] = val.Line
	if r := resolve(val); r != nil && !isNull(r) {
		d.set[p] = true
	}
	d.decode(val, v.Field(i), p)
}

// sequence fills the slice v. A list of plain values also accepts one
// value on its own ("status: drain" is [drain]).
func (d *decoder) sequence(n *yaml.Node, v reflect.Value, path string) {
	t := v.Type()
	items := n.Content
	switch {
	case n.Kind == yaml.ScalarNode && isPlainKind(t.Elem().Kind()):
		items = []*yaml.Node{n}
	case n.Kind != yaml.SequenceNode:
		d.fail(n.Line, path, "want a list (one \"- \" line per entry), got "+describe(n))
		return
	}
	s := reflect.MakeSlice(t, len(items), len(items))
	for i, c := range items {
		p := path + "[" + strconv.Itoa(i) + "]"
		d.lines[p] = c.Line
		d.decode(c, s.Index(i), p)
	}
	v.Set(s)
}

// scalar decodes a string, bool or number.
func (d *decoder) scalar(n *yaml.Node, v reflect.Value, path string) {
	want := kindName(v.Kind())
	if n.Kind != yaml.ScalarNode {
		d.fail(n.Line, path, "want "+want+", got "+describe(n))
		return
	}
	// yaml.v3 would truncate 1.5 into an int and read "yes" as true; the
	// tag must match the kind instead.
	tag := n.ShortTag()
	ok := true
	switch v.Kind() {
	case reflect.Bool:
		ok = tag == "!!bool"
	case reflect.Int, reflect.Int64:
		ok = tag == "!!int"
	case reflect.Float64:
		ok = tag == "!!int" || tag == "!!float"
	}
	if !ok || n.Decode(v.Addr().Interface()) != nil {
		d.fail(n.Line, path, fmt.Sprintf("want %s, got %q", want, n.Value))
	}
}

// listeners accepts "host:port", a mapping, or a list of either.
func (d *decoder) listeners(n *yaml.Node, v reflect.Value, path string) {
	one := func(c *yaml.Node, p string) Listener {
		var l Listener
		switch c = resolve(c); {
		case c == nil || isNull(c):
		case c.Kind == yaml.ScalarNode:
			d.scalar(c, reflect.ValueOf(&l.Addr).Elem(), p)
		case c.Kind == yaml.MappingNode:
			d.mapping(c, reflect.ValueOf(&l).Elem(), p)
		default:
			d.fail(c.Line, p, "want \"host:port\" or a mapping with addr and tls, got "+describe(c))
		}
		return l
	}
	if n.Kind != yaml.SequenceNode {
		v.Set(reflect.ValueOf(Listeners{one(n, path)}))
		return
	}
	out := make(Listeners, len(n.Content))
	for i, c := range n.Content {
		p := path + "[" + strconv.Itoa(i) + "]"
		d.lines[p] = c.Line
		out[i] = one(c, p)
	}
	v.Set(reflect.ValueOf(out))
}

// resolve follows aliases; nil for an alias without a target.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" }

func isMerge(k *yaml.Node) bool { return k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" }

func isPlainKind(k reflect.Kind) bool {
	switch k {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int64, reflect.Float64:
		return true
	}
	return false
}

func kindName(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	}
	return "a " + k.String()
}

// describe names what a node is, for "want X, got Y".
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return strconv.Quote(n.Value)
	}
	return "an alias"
}

// decodeMessage is the reason in a yaml.v3 decode error, without its
// "line N:" prefix (the FieldError carries the line).
func decodeMessage(err error) string {
	te, ok := err.(*yaml.TypeError)
	if !ok {
		return strings.TrimPrefix(err.Error(), "yaml: ")
	}
	msgs := make([]string, len(te.Errors))
	for i, m := range te.Errors {
		if s := yamlLine.FindStringSubmatch(m); s != nil {
			m = s[2]
		}
		msgs[i] = m
	}
	return strings.Join(msgs, "; ")
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// yamlFields maps a struct's yaml keys to field indexes.
func yamlFields(t reflect.Type) map[string]int {
	out := map[string]int{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = i
	}
	return out
}

// hint helps with an unknown key: the known key it is probably a typo of,
// else where in the file the key belongs, else the keys known here.
func hint(key string, t reflect.Type, fields map[string]int) string {
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	slices.Sort(names)
	best, bestD := "", 3
	for _, k := range names {
		if d := distance(strings.ToLower(key), k); d < bestD && d < len(key) {
			best, bestD = k, d
		}
	}
	if best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	if places := placesOf(key, configType, ""); len(places) > 0 {
		return fmt.Sprintf(" (%s belongs under %s)", key, strings.Join(places, " or "))
	}
	return " (known here: " + strings.Join(names, ", ") + ")"
}

var configType = reflect.TypeOf(Config{})

// placesOf lists where key is a known key of the schema below t, as
// "balancers[].members[]".
func placesOf(key string, t reflect.Type, at string) []string {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		if t != listenersType && reflect.PointerTo(t).Implements(unmarshalerType) {
			return nil // a value type such as StatusRanges: no keys inside
		}
		if t.Kind() == reflect.Slice {
			at += "[]"
		}
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var out []string
	fields := yamlFields(t)
	if _, ok := fields[key]; ok && at != "" {
		out = append(out, at)
	}
	for name, i := range fields {
		out = append(out, placesOf(key, t.Field(i).Type, join(at, name))...)
	}
	slices.Sort(out)
	return out
}

// distance is the Levenshtein distance between a and b.
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
