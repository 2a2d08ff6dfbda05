package archive

import (
	"path"
	"strings"
	"testing"
)

// FuzzValidateName: an accepted name is relative, clean and stays inside
// the archive root, and the one-pass check (plainName) accepts nothing
// the full checks refuse.
func FuzzValidateName(f *testing.F) {
	for _, seed := range []string{"a/b.js", "../x", "/abs", `a\b`, "a/./b", "node_modules/.bin/x", "é/ü.js", "a//b", "a/", "c:/x", "a/b/.x", "x/..", "a\x00b"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if plainName(name) {
			// The one-pass check must only accept what the full checks do.
			if err := checkName(name); err != nil {
				t.Fatalf("plainName accepted %q, which the full checks refuse: %v", name, err)
			}
		}
		if ValidateName(name) != nil {
			return
		}
		joined := path.Join("/root", name)
		if !strings.HasPrefix(joined, "/root/") || path.Clean(name) != name || strings.ContainsAny(name, "\\\x00") {
			t.Fatalf("accepted %q, which resolves to %q", name, joined)
		}
	})
}
