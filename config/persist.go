package config

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
)

// Persist writes edits into the configuration file at path (httpd's
// BalancerPersist, but into the file itself): only the edited values
// change, in place, so comments, key order and formatting stay as the
// operator wrote them; a key the file lacks is added at the end of its
// mapping with the mapping's indentation. The result is validated before
// it replaces the file, atomically (temporary file, fsync, rename), with
// the file's mode kept.
func Persist(path string, edits ...Edit) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	for _, e := range edits {
		if data, err = patch(data, e); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	if _, err := Parse(path, data); err != nil {
		return fmt.Errorf("edited file would not be valid, not written: %w", err)
	}
	return writeAtomic(path, data)
}

func writeAtomic(path string, data []byte) error {
	mode := os.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err = tmp.Write(data); err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), mode)
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// patch applies one edit to the file's text.
func patch(data []byte, e Edit) ([]byte, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, err
	}
	if len(root.Content) == 0 {
		return nil, fmt.Errorf("empty file")
	}
	bal := findItem(mapValue(root.Content[0], "balancers"), "name", e.Balancer)
	if bal == nil {
		return nil, fmt.Errorf("no balancer %q in the file", e.Balancer)
	}
	lines := strings.SplitAfter(string(data), "\n")
	if e.Add != nil {
		return addMember(lines, bal, e.Add)
	}
	target := bal
	if e.Member != "" {
		target = findItem(mapValue(bal, "members"), "url", e.Member)
		if target == nil {
			return nil, fmt.Errorf("no member %q of balancer %q in the file", e.Member, e.Balancer)
		}
	}
	val, err := inlineYAML(e.Value)
	if err != nil {
		return nil, err
	}
	for i := 0; i+1 < len(target.Content); i += 2 {
		k, v := target.Content[i], target.Content[i+1]
		if k.Value != e.Key {
			continue
		}
		if e.Value == nil {
			return []byte(strings.Join(removeLines(lines, k.Line, lastLine(v)), "")), nil
		}
		if v.Line != lastLine(v) || v.Line != k.Line {
			// A multi-line value: replace its lines by one.
			out := removeLines(lines, k.Line, lastLine(v))
			ins := strings.Repeat(" ", k.Column-1) + e.Key + ": " + val + "\n"
			out = append(out[:k.Line-1], append([]string{ins}, out[k.Line-1:]...)...)
			return []byte(strings.Join(out, "")), nil
		}
		l := lines[v.Line-1]
		start := v.Column - 1
		end := valueEnd(l, start)
		lines[v.Line-1] = l[:start] + val + l[end:]
		return []byte(strings.Join(lines, "")), nil
	}
	if e.Value == nil {
		return data, nil
	}
	// Absent key: add it after the mapping's last line, aligned with its keys.
	indent := target.Content[0].Column - 1
	at := lastLine(target)
	ins := strings.Repeat(" ", indent) + e.Key + ": " + val + "\n"
	lines = append(lines[:at], append([]string{ins}, lines[at:]...)...)
	return []byte(strings.Join(lines, "")), nil
}

func addMember(lines []string, bal *yaml.Node, m *Member) ([]byte, error) {
	members := mapValue(bal, "members")
	if members == nil || members.Kind != yaml.SequenceNode || len(members.Content) == 0 {
		return nil, fmt.Errorf("balancer has no members list to extend")
	}
	first := members.Content[0]
	indent := first.Column - 1 // column of the first key after "- "
	pad := strings.Repeat(" ", indent)
	dash := strings.Repeat(" ", max(indent-2, 0)) + "- "
	var b strings.Builder
	b.WriteString(dash + "url: " + mustInline(m.URL) + "\n")
	if m.Route != "" {
		b.WriteString(pad + "route: " + mustInline(m.Route) + "\n")
	}
	if m.LoadFactor != 0 && m.LoadFactor != 1 {
		b.WriteString(pad + "loadfactor: " + mustInline(m.LoadFactor) + "\n")
	}
	if m.LBSet != 0 {
		b.WriteString(pad + "lbset: " + mustInline(m.LBSet) + "\n")
	}
	if len(m.Status) > 0 {
		b.WriteString(pad + "status: " + mustInline(m.Status) + "\n")
	}
	if m.Redirect != "" {
		b.WriteString(pad + "redirect: " + mustInline(m.Redirect) + "\n")
	}
	at := lastLine(members)
	lines = append(lines[:at], append([]string{b.String()}, lines[at:]...)...)
	return []byte(strings.Join(lines, "")), nil
}

// inlineYAML renders v on one line (flow style for lists).
func inlineYAML(v any) (string, error) {
	if v == nil {
		return "", nil
	}
	n := &yaml.Node{}
	if err := n.Encode(v); err != nil {
		return "", err
	}
	setFlow(n)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	if err := enc.Encode(n); err != nil {
		return "", err
	}
	return strings.TrimSpace(buf.String()), nil
}

func mustInline(v any) string { s, _ := inlineYAML(v); return s }

func setFlow(n *yaml.Node) {
	if n.Kind == yaml.SequenceNode || n.Kind == yaml.MappingNode {
		n.Style = yaml.FlowStyle
	}
	for _, c := range n.Content {
		setFlow(c)
	}
}

func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// findItem returns the mapping in seq whose key has value.
func findItem(seq *yaml.Node, key, value string) *yaml.Node {
	if seq == nil || seq.Kind != yaml.SequenceNode {
		return nil
	}
	for _, c := range seq.Content {
		if v := mapValue(c, key); v != nil && v.Value == value {
			return c
		}
	}
	return nil
}

// lastLine is the last line a node spans.
func lastLine(n *yaml.Node) int {
	l := n.Line
	for _, c := range n.Content {
		if x := lastLine(c); x > l {
			l = x
		}
	}
	return l
}

func removeLines(lines []string, from, to int) []string {
	out := append([]string(nil), lines[:from-1]...)
	return append(out, lines[to:]...)
}

// valueEnd finds where a one-line scalar or flow value starting at start
// ends: before a trailing comment, or at the end of the line.
func valueEnd(l string, start int) int {
	end := len(strings.TrimRight(l, "\r\n"))
	inQuote := byte(0)
	depth := 0
	for i := start; i < end; i++ {
		c := l[i]
		switch {
		case inQuote != 0:
			if c == inQuote {
				inQuote = 0
			}
		case c == '"' || c == '\'':
			inQuote = c
		case c == '[' || c == '{':
			depth++
		case c == ']' || c == '}':
			depth--
		case c == '#' && depth == 0 && i > start && (l[i-1] == ' ' || l[i-1] == '\t'):
			return len(strings.TrimRight(l[:i], " \t"))
		}
	}
	return len(strings.TrimRight(l[:end], " \t"))
}
