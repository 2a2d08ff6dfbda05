package node

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzIncludes parses included_files patterns and expands them over a
// small site next to a folder it must never reach. Every pattern either
// is refused with an error or yields paths under the base directory with
// no ".." in their base-relative form, which is what archive entry names
// are made from. It never panics.
func FuzzIncludes(f *testing.F) {
	root := f.TempDir()
	site := filepath.Join(root, "site")
	for p, content := range map[string]string{
		"site/a.js": "", "site/data/x.json": "{}", "site/data/deep/y.txt": "", "site/.hidden": "",
		"outside/secret": "secret",
	} {
		full := filepath.Join(root, p)
		os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			f.Fatal(err)
		}
	}
	os.Symlink("../outside", filepath.Join(site, "link-out"))
	for _, seed := range [][2]string{
		{"data/**", "!data/deep/**"}, {"../outside/*", ""}, {"/etc/passwd", ""}, {"**", "!**/*.json"},
		{"./data/../../outside/secret", ""}, {"link-out/*", ""}, {"{a,b}.js", ""}, {"[", ""}, {root + "/outside/**", ""},
		{"data/**/..", ""}, {"**/.hidden", "!"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, pattern, exclude string) {
		if len(pattern) > 128 || len(exclude) > 128 {
			return
		}
		patterns := []string{pattern}
		if exclude != "" {
			patterns = append(patterns, exclude)
		}
		inc, err := parseIncludes(patterns, site, site)
		if err != nil {
			if !errors.Is(err, ErrIncludeOutsideBase) && !strings.Contains(err.Error(), "not a valid glob pattern") {
				t.Fatalf("%q: untyped error %v", patterns, err)
			}
			return
		}
		files, err := inc.files()
		if err != nil {
			return // a walk error is reported to the user; nothing was added
		}
		for _, p := range files {
			rel, err := filepath.Rel(site, p)
			if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || strings.Contains(filepath.ToSlash(rel), "/../") {
				t.Fatalf("%q matched %q, outside %q", patterns, p, site)
			}
		}
	})
}
