package archive

import (
	"path"
	"strings"
	"testing"
)

// FuzzValidateName: an accepted name is relative, clean and stays inside
// the archive root.
func FuzzValidateName(f *testing.F) {
	for _, seed := range []string{"a/b.js", "../x", "/abs", `a\b`, "a/./b", "node_modules/.bin/x", "é/ü.js"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if ValidateName(name) != nil {
			return
		}
		joined := path.Join("/root", name)
		if !strings.HasPrefix(joined, "/root/") || path.Clean(name) != name || strings.ContainsAny(name, "\\\x00") {
			t.Fatalf("accepted %q, which resolves to %q", name, joined)
		}
	})
}
