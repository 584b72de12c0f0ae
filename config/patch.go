package config

import (
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// patchText makes edit e as a change of the text, using the positions of
// the file's tree doc. It reports false when the edit cannot be made that
// way; the caller then encodes the tree instead. The caller also checks
// the result, so a false true here costs formatting, never correctness.
func patchText(data []byte, doc *yaml.Node, e Edit) ([]byte, bool) {
	f := textFile{lines: strings.SplitAfter(string(data), "\n"), eol: lineEnding(data)}
	bal, target, err := locate(doc, e)
	if err != nil {
		return nil, false
	}
	if e.Add != nil {
		return f.addMember(bal, e.Add)
	}
	if target.Kind != yaml.MappingNode || target.Style&yaml.FlowStyle != 0 || len(target.Content) == 0 {
		return nil, false
	}
	i := pairIndex(target, e.Key)
	if e.Value == nil {
		if i < 0 {
			return data, true
		}
		k, v := target.Content[i], target.Content[i+1]
		if strings.TrimSpace(f.prefix(k)) != "" {
			return nil, false // "- key: …": the item would lose its dash
		}
		f.replace(k.Line, f.valueEnd(k, v), "")
		return f.bytes(), true
	}
	_, text, err := valueNode(e.Value)
	if err != nil {
		return nil, false
	}
	if i >= 0 {
		k, v := target.Content[i], target.Content[i+1]
		end := f.valueEnd(k, v)
		if k.Line == v.Line && end == k.Line && v.Kind != yaml.AliasNode && v.Style&(yaml.LiteralStyle|yaml.FoldedStyle) == 0 {
			l := f.lines[k.Line-1]
			start := byteOffset(l, v.Column-1)
			stop := max(scalarEnd(l, start), start)
			if start > 0 && l[start-1] == ':' {
				text = " " + text // "key:" with no value, yaml.v3 places the null right after the colon
			}
			f.lines[k.Line-1] = l[:start] + text + keepGap(l[stop:], stop-start, len(text))
			return f.bytes(), true
		}
		f.replace(k.Line, end, f.prefix(k)+e.Key+": "+text+f.eol)
		return f.bytes(), true
	}
	first, lk, lv := target.Content[0], target.Content[len(target.Content)-2], target.Content[len(target.Content)-1]
	f.insert(f.valueEnd(lk, lv), strings.Repeat(" ", first.Column-1)+e.Key+": "+text+f.eol)
	return f.bytes(), true
}

// addMember adds m after the last member, in the style of the first.
func (f *textFile) addMember(bal *yaml.Node, m *Member) ([]byte, bool) {
	members := mapValue(bal, "members")
	if members == nil || members.Kind != yaml.SequenceNode || members.Style&yaml.FlowStyle != 0 || len(members.Content) == 0 {
		return nil, false
	}
	first := members.Content[0]
	if first.Kind != yaml.MappingNode || first.Style&yaml.FlowStyle != 0 || len(first.Content) == 0 {
		return nil, false
	}
	itemPrefix := f.prefix(first.Content[0])
	if strings.TrimSpace(itemPrefix) != "-" {
		return nil, false
	}
	pad := strings.Repeat(" ", first.Content[0].Column-1)
	pairs, err := memberPairs(m)
	if err != nil {
		return nil, false
	}
	var b strings.Builder
	for i, p := range pairs {
		if i == 0 {
			b.WriteString(itemPrefix)
		} else {
			b.WriteString(pad)
		}
		b.WriteString(p[0] + ": " + p[1] + f.eol)
	}
	last := members.Content[len(members.Content)-1]
	end := lastLine(last)
	if last.Kind == yaml.MappingNode && len(last.Content) >= 2 {
		end = f.valueEnd(last.Content[len(last.Content)-2], last.Content[len(last.Content)-1])
	}
	f.insert(end, b.String())
	return f.bytes(), true
}

// textFile is a file as lines, each with its line ending; line n is
// lines[n-1].
type textFile struct {
	lines []string
	eol   string
}

func (f *textFile) bytes() []byte { return []byte(strings.Join(f.lines, "")) }

// prefix is what stands before node n on its line: indentation, and "- "
// for the first key of a list item.
func (f *textFile) prefix(n *yaml.Node) string {
	l := f.lines[n.Line-1]
	return l[:byteOffset(l, n.Column-1)]
}

// replace puts text in place of lines from..to.
func (f *textFile) replace(from, to int, text string) {
	rest := append([]string{text}, f.lines[to:]...)
	f.lines = append(f.lines[:from-1], rest...)
}

// insert puts text after line at.
func (f *textFile) insert(at int, text string) {
	if at > 0 && !strings.HasSuffix(f.lines[at-1], "\n") {
		f.lines[at-1] += f.eol // the file did not end with a line break
	}
	rest := append([]string{text}, f.lines[at:]...)
	f.lines = append(f.lines[:at], rest...)
}

// valueEnd is the last line of key k's value v: the last line a token of
// v starts on, extended over the continuation lines of a multi-line
// scalar (lines indented deeper than k, blank lines between them).
func (f *textFile) valueEnd(k, v *yaml.Node) int {
	end := max(k.Line, lastLine(v))
	indent := k.Column - 1
	for j := end + 1; j <= len(f.lines); j++ {
		l := strings.TrimRight(f.lines[j-1], "\r\n")
		t := strings.TrimLeft(l, " ")
		if t == "" {
			continue
		}
		if strings.HasPrefix(t, "#") || len(l)-len(t) <= indent {
			break
		}
		end = j
	}
	return end
}

// byteOffset converts a column counted in characters, as yaml.v3 counts
// them, to a byte offset in l.
func byteOffset(l string, col int) int {
	off := 0
	for i := 0; i < col && off < len(l); i++ {
		_, size := utf8.DecodeRuneInString(l[off:])
		off += size
	}
	return off
}

// scalarEnd finds where a one-line scalar or flow value starting at start
// ends: before a comment, or at the end of the line.
func scalarEnd(l string, start int) int {
	end := len(strings.TrimRight(l, "\r\n"))
	quote := byte(0)
	for i := start; i < end; i++ {
		c := l[i]
		switch {
		case quote == '"' && c == '\\':
			i++ // an escaped character, perhaps a quote
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '#' && i > start && (l[i-1] == ' ' || l[i-1] == '\t'):
			return len(strings.TrimRight(l[:i], " \t"))
		}
	}
	return len(strings.TrimRight(l[:end], " \t"))
}

// keepGap returns rest, the text after a value, with the spaces before a
// comment adjusted so that the comment keeps its column when the value
// changes length from old to new bytes (at least one space stays).
func keepGap(rest string, old, new int) string {
	t := strings.TrimLeft(rest, " ")
	gap := len(rest) - len(t)
	if gap == 0 || !strings.HasPrefix(t, "#") {
		return rest
	}
	return strings.Repeat(" ", max(1, gap+old-new)) + t
}
