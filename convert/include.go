package convert

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// include follows Include and IncludeOptional when the files are below
// the main file's directory; anything else would read from wherever the
// command happens to run, so it is reported instead.
func (c *converter) include(at pos, name string, args []string, depth int) {
	if len(args) == 0 {
		c.warn(at, "%s without a path: ignored", name)
		return
	}
	pattern := args[0]
	p := pattern
	if !filepath.IsAbs(p) {
		p = filepath.Join(c.dir, p)
	}
	if rel, err := filepath.Rel(c.dir, p); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		c.warn(at, "%s %s: outside the directory of %s: not followed (convert that file too, or copy its directives here)", name, pattern, c.name)
		return
	}
	if depth >= maxIncludeDepth {
		c.warn(at, "%s %s: included files nest deeper than %d: not followed", name, pattern, maxIncludeDepth)
		return
	}
	matches, err := filepath.Glob(p)
	if err != nil {
		c.warn(at, "%s %s: %v: not followed", name, pattern, err)
		return
	}
	var files []string
	for _, m := range matches {
		st, err := os.Stat(m)
		switch {
		case err != nil:
		case st.IsDir():
			// httpd reads every file below an included directory.
			_ = filepath.WalkDir(m, func(path string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					files = append(files, path)
				}
				return nil
			})
		default:
			files = append(files, m)
		}
	}
	sort.Strings(files)
	if len(files) == 0 {
		c.warn(at, "%s %s: no such file next to %s: not followed", name, pattern, c.name)
		return
	}
	for _, file := range files {
		if c.files >= maxFiles {
			c.warn(at, "%s %s: more than %d files read: the rest are not followed", name, pattern, maxFiles)
			return
		}
		data, err := os.ReadFile(file)
		if err != nil {
			c.warn(at, "%s %s: %v: not followed", name, file, err)
			continue
		}
		c.file(file, string(data), depth+1)
	}
}
