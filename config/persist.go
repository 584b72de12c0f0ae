package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// Persist writes edits into the configuration file at path: httpd's
// BalancerPersist, but into the operator's own file rather than a shared
// memory dump. The result is validated with Parse before it replaces the
// file, and an edit that would make the file invalid is refused with the
// file untouched. The file is replaced atomically (temporary file in the
// same directory, fsync, rename) with its mode kept; a symbolic link is
// followed and its target replaced. An edit that changes nothing writes
// nothing. Calls for one file must not run concurrently.
//
// See Patch for what changes in the text.
func Persist(path string, edits ...Edit) error {
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(target)
	if err != nil {
		return err
	}
	out, err := Patch(data, edits...)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if bytes.Equal(out, data) {
		return nil
	}
	if _, err := Parse(path, out); err != nil {
		return fmt.Errorf("%s not written: the edited file would be invalid:\n%w", path, err)
	}
	return writeAtomic(target, out)
}

// Patch applies edits to the text of a configuration file and returns the
// new text.
//
// Each edit is made on the file's yaml.v3 Node tree and, when it can be,
// written as a change of the text itself: the value of an existing key is
// replaced where it stands (a comment after it keeps its column when there
// is room), a key the mapping lacks is added after the mapping's last
// line with the indentation of its first key, a removed key's lines go,
// and a new member is added after the balancer's last member in the style
// of its first. Comments, blank lines, key order, quoting and indentation
// elsewhere stay byte for byte. A list is written in flow style
// ("status: [drain]"), replacing the lines of a block list.
//
// The patched text must decode to exactly the tree the edit produces on
// the Node; when it does not (a value with an anchor, a flow-style member
// "{url: …}", a multi-line string), the whole tree is encoded by yaml.v3
// instead. That keeps comments, key order, quoting and flow styles but
// reformats: indentation becomes yaml.v3's (the file's own width for
// top-level entries, detected from its first nested block; lists nested
// in list items indented by two), a list item's keys follow "- " by one
// space, blank lines go, a comment after a value is put one space after
// it, and a comment may move to the neighbouring key.
//
// Patch does not validate the result; Persist does.
func Patch(data []byte, edits ...Edit) ([]byte, error) {
	for _, e := range edits {
		var err error
		if data, err = patchOne(data, e); err != nil {
			return nil, err
		}
	}
	return data, nil
}

func patchOne(data []byte, e Edit) ([]byte, error) {
	orig, err := parseDoc(data)
	if err != nil {
		return nil, err
	}
	want, _ := parseDoc(data)
	if err := applyNode(want, e); err != nil {
		return nil, err
	}
	if out, ok := patchText(data, orig, e); ok && sameYAML(out, want) {
		return out, nil
	}
	out, err := encodeDoc(want, indentOf(orig), lineEnding(data))
	if err != nil {
		return nil, err
	}
	if !sameYAML(out, want) {
		return nil, errors.New("the edit cannot be written without changing other values")
	}
	return out, nil
}

// parseDoc parses a file whose top level is a mapping.
func parseDoc(data []byte) (*yaml.Node, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, err
	}
	if len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return nil, errors.New("the file is not a mapping of keys")
	}
	return &root, nil
}

// sameYAML reports whether out decodes to the same data as want.
func sameYAML(out []byte, want *yaml.Node) bool {
	var a, b any
	if yaml.Unmarshal(out, &a) != nil || want.Decode(&b) != nil {
		return false
	}
	return reflect.DeepEqual(a, b)
}

// locate finds the balancer of e and the mapping e changes.
func locate(doc *yaml.Node, e Edit) (bal, target *yaml.Node, err error) {
	bal, err = findItem(mapValue(doc.Content[0], "balancers"), "name", e.Balancer)
	if err != nil || bal == nil {
		return nil, nil, orNotFound(err, "no balancer %q in the file", e.Balancer)
	}
	if e.Add != nil || e.Member == "" {
		return bal, bal, nil
	}
	target, err = findItem(mapValue(bal, "members"), "url", e.Member)
	if err != nil || target == nil {
		return nil, nil, orNotFound(err, "no member %q in balancer %q in the file", e.Member, e.Balancer)
	}
	return bal, target, nil
}

func orNotFound(err error, format string, args ...any) error {
	if err != nil {
		return err
	}
	return fmt.Errorf(format, args...)
}

// applyNode makes edit e on the tree.
func applyNode(doc *yaml.Node, e Edit) error {
	bal, target, err := locate(doc, e)
	if err != nil {
		return err
	}
	if e.Add != nil {
		if members := mapValue(bal, "members"); members != nil && aliased(doc, members) {
			return fmt.Errorf("the members of %q are anchored (&%s) and used elsewhere: edit the file by hand", e.Balancer, members.Anchor)
		}
		return addMemberNode(bal, e.Add)
	}
	if target.Kind != yaml.MappingNode {
		return errors.New("the edited entry is not a mapping")
	}
	if aliased(doc, target) {
		return fmt.Errorf("the edited entry is anchored (&%s) and used elsewhere, which the edit would change too: edit the file by hand", target.Anchor)
	}
	i := pairIndex(target, e.Key)
	if i >= 0 && aliased(doc, target.Content[i+1]) {
		return fmt.Errorf("the value of %s is anchored (&%s) and used elsewhere: edit the file by hand", e.Key, target.Content[i+1].Anchor)
	}
	if e.Value == nil {
		if i >= 0 {
			target.Content = append(target.Content[:i], target.Content[i+2:]...)
		}
		return nil
	}
	v, _, err := valueNode(e.Value)
	if err != nil {
		return err
	}
	if i < 0 {
		target.Content = append(target.Content, strNode(e.Key), v)
		return nil
	}
	old := target.Content[i+1]
	v.LineComment, v.HeadComment, v.FootComment = old.LineComment, old.HeadComment, old.FootComment
	target.Content[i+1] = v
	return nil
}

func addMemberNode(bal *yaml.Node, m *Member) error {
	members := mapValue(bal, "members")
	if members != nil && members.Kind == yaml.SequenceNode {
		if dup, _ := findItem(members, "url", m.URL); dup != nil {
			return fmt.Errorf("member %q is already in the file", m.URL)
		}
	}
	pairs, err := memberPairs(m)
	if err != nil {
		return err
	}
	var text strings.Builder
	for _, p := range pairs {
		text.WriteString(p[0] + ": " + p[1] + "\n")
	}
	var item yaml.Node
	if err := yaml.Unmarshal([]byte(text.String()), &item); err != nil {
		return err
	}
	switch {
	case members == nil:
		bal.Content = append(bal.Content, strNode("members"),
			&yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{item.Content[0]}})
	case members.Kind == yaml.SequenceNode:
		members.Content = append(members.Content, item.Content[0])
	case isNull(members):
		*members = yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{item.Content[0]}}
	default:
		return errors.New("the balancer's members are not a list")
	}
	return nil
}

// memberPairs renders the fields of m that are not zero, in schema order.
func memberPairs(m *Member) ([][2]string, error) {
	if m.URL == "" {
		return nil, errors.New("a new member needs a url")
	}
	v := reflect.ValueOf(m).Elem()
	t := v.Type()
	var out [][2]string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if f := v.Field(i); name != "" && name != "-" && !f.IsZero() {
			text, err := inlineYAML(f.Interface())
			if err != nil {
				return nil, err
			}
			out = append(out, [2]string{name, text})
		}
	}
	return out, nil
}

// valueNode renders v as one line of YAML and parses it back, so that
// the tree and the text hold the same spelling of the value.
func valueNode(v any) (*yaml.Node, string, error) {
	text, err := inlineYAML(v)
	if err != nil {
		return nil, "", err
	}
	var n yaml.Node
	if err := yaml.Unmarshal([]byte("v: "+text), &n); err != nil {
		return nil, "", err
	}
	return n.Content[0].Content[1], text, nil
}

// inlineYAML renders v on one line (flow style for lists and mappings,
// double quotes for strings with line breaks).
func inlineYAML(v any) (string, error) {
	n := &yaml.Node{}
	if err := n.Encode(v); err != nil {
		return "", err
	}
	oneLine(n)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	if err := enc.Encode(n); err != nil {
		return "", err
	}
	if err := enc.Close(); err != nil {
		return "", err
	}
	s := strings.TrimSuffix(buf.String(), "\n")
	if strings.Contains(s, "\n") {
		return "", fmt.Errorf("value %v does not fit on one line", v)
	}
	return s, nil
}

func oneLine(n *yaml.Node) {
	switch n.Kind {
	case yaml.SequenceNode, yaml.MappingNode:
		n.Style = yaml.FlowStyle
	case yaml.ScalarNode:
		if strings.ContainsAny(n.Value, "\r\n") {
			n.Style = yaml.DoubleQuotedStyle
		}
	}
	for _, c := range n.Content {
		oneLine(c)
	}
}

func strNode(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

// mapValue returns the value of key in mapping n, or nil.
func mapValue(n *yaml.Node, key string) *yaml.Node {
	if i := pairIndex(n, key); i >= 0 {
		return n.Content[i+1]
	}
	return nil
}

// pairIndex is the index in n.Content of the last key named key, or -1.
func pairIndex(n *yaml.Node, key string) int {
	if n == nil || n.Kind != yaml.MappingNode {
		return -1
	}
	at := -1
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; k.Kind == yaml.ScalarNode && !isMerge(k) && k.Value == key {
			at = i
		}
	}
	return at
}

// findItem returns the mapping in seq whose key has value. An entry
// written through an alias is shared with another place in the file, so
// editing it there would edit both: that is refused.
func findItem(seq *yaml.Node, key, value string) (*yaml.Node, error) {
	if seq == nil {
		return nil, nil
	}
	if seq.Kind == yaml.AliasNode {
		return nil, fmt.Errorf("the list is an alias (*%s): edit the file by hand", seq.Value)
	}
	if seq.Kind != yaml.SequenceNode {
		return nil, nil
	}
	for _, c := range seq.Content {
		if c.Kind == yaml.AliasNode {
			if r := resolve(c); r != nil {
				if v := mapValue(r, key); v != nil && v.Value == value {
					return nil, fmt.Errorf("%s %q is an alias (*%s): edit the file by hand", key, value, c.Value)
				}
			}
			continue
		}
		if v := mapValue(c, key); v != nil && v.Kind == yaml.ScalarNode && v.Value == value {
			return c, nil
		}
	}
	return nil, nil
}

// aliased reports whether an alias in the tree refers to n.
func aliased(tree, n *yaml.Node) bool {
	if n.Anchor == "" {
		return false
	}
	if tree.Kind == yaml.AliasNode {
		return tree.Alias == n
	}
	for _, c := range tree.Content {
		if aliased(c, n) {
			return true
		}
	}
	return false
}

// lastLine is the last line a node's tokens start on.
func lastLine(n *yaml.Node) int {
	l := n.Line
	for _, c := range n.Content {
		l = max(l, lastLine(c))
	}
	return l
}

// lineEnding is the file's line ending.
func lineEnding(data []byte) string {
	if bytes.Contains(data, []byte("\r\n")) {
		return "\r\n"
	}
	return "\n"
}

// indentOf detects the file's indentation width from its first block
// mapping or list below a key (2 when it has none, or when lists sit at
// their key's column).
func indentOf(doc *yaml.Node) int {
	var walk func(n *yaml.Node) int
	walk = func(n *yaml.Node) int {
		if n.Style&yaml.FlowStyle != 0 {
			return 0
		}
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				block := v.Kind == yaml.MappingNode || v.Kind == yaml.SequenceNode
				if block && v.Style&yaml.FlowStyle == 0 && v.Line > k.Line {
					if w := v.Column - k.Column; w >= 2 && w <= 8 {
						return w
					}
				}
				if w := walk(v); w > 0 {
					return w
				}
			}
		case yaml.SequenceNode:
			for _, c := range n.Content {
				if w := walk(c); w > 0 {
					return w
				}
			}
		}
		return 0
	}
	if w := walk(doc.Content[0]); w > 0 {
		return w
	}
	return 2
}

// encodeDoc writes the whole tree with yaml.v3.
func encodeDoc(doc *yaml.Node, indent int, eol string) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(indent)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	out := buf.Bytes()
	if eol != "\n" {
		out = bytes.ReplaceAll(out, []byte("\n"), []byte(eol))
	}
	return out, nil
}

func writeAtomic(path string, data []byte) error {
	mode := os.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename, a no-op
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(mode)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return err
	}
	// The rename is durable once the directory is synced.
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
