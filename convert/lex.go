package convert

import (
	"strconv"
	"strings"
)

// pos is where a directive is: its file, its first line, and its rank in
// the order directives were read (included files inline), which is the
// order warnings are printed in.
type pos struct {
	file string
	line int
	seq  int
}

// ref names where other is, seen from at: "line 12" in the same file,
// "file:12" in another.
func ref(at, other pos) string {
	if at.file == other.file {
		return "line " + strconv.Itoa(other.line)
	}
	return other.file + ":" + strconv.Itoa(other.line)
}

// logical is one configuration line after joining continuations.
type logical struct {
	line int // the first physical line
	text string
}

// logicalLines splits a file into httpd's logical lines: a backslash as the
// very last character of a line joins the next one to it (httpd allows no
// blank after the backslash), the line is trimmed, and blank lines and
// comment lines (first non-blank character '#') are dropped.
func logicalLines(data string) []logical {
	var out []logical
	var cur strings.Builder
	start := 0
	phys := strings.Split(data, "\n")
	for i, l := range phys {
		l = strings.TrimSuffix(l, "\r")
		if cur.Len() == 0 {
			start = i + 1
		}
		if strings.HasSuffix(l, "\\") && i < len(phys)-1 {
			cur.WriteString(l[:len(l)-1])
			continue
		}
		cur.WriteString(l)
		text := strings.TrimSpace(cur.String())
		cur.Reset()
		if text == "" || text[0] == '#' {
			continue
		}
		out = append(out, logical{line: start, text: text})
	}
	return out
}

// words splits arguments as httpd's ap_getword_conf does: blank-separated
// words, where a word that starts with a double or single quote runs to the
// matching quote, and a backslash before that quote character stands for
// the quote itself.
func words(s string) []string {
	var out []string
	for {
		s = strings.TrimLeft(s, " \t\r\f\v")
		if s == "" {
			return out
		}
		if q := s[0]; q == '"' || q == '\'' {
			var b strings.Builder
			i := 1
			for ; i < len(s) && s[i] != q; i++ {
				if s[i] == '\\' && i+1 < len(s) && s[i+1] == q {
					i++
				}
				b.WriteByte(s[i])
			}
			out = append(out, b.String())
			if i < len(s) {
				i++ // the closing quote
			}
			s = s[i:]
			continue
		}
		end := strings.IndexAny(s, " \t\r\f\v")
		if end < 0 {
			end = len(s)
		}
		out = append(out, s[:end])
		s = s[end:]
	}
}

// cutComment drops a trailing "# ..." from a directive's words: httpd takes
// it as more arguments (and usually refuses the line), but the intent is
// plain.
func cutComment(ws []string) (kept []string, cut bool) {
	for i, w := range ws {
		if i > 0 && strings.HasPrefix(w, "#") {
			return ws[:i], true
		}
	}
	return ws, false
}

// substitute replaces ${NAME} with the value of a Define seen earlier;
// undefined names are kept as written and returned, as httpd does with a
// warning of its own.
func substitute(s string, defs map[string]string) (string, []string) {
	if !strings.Contains(s, "${") {
		return s, nil
	}
	var b strings.Builder
	var missing []string
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), missing
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			b.WriteString(s)
			return b.String(), missing
		}
		name := s[i+2 : i+j]
		b.WriteString(s[:i])
		if v, ok := defs[name]; ok {
			b.WriteString(v)
		} else {
			b.WriteString(s[i : i+j+1])
			missing = append(missing, name)
		}
		s = s[i+j+1:]
	}
}
