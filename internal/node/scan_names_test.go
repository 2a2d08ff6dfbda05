package node

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/zisi-build/zisi/resolver"
)

// A batch scan's generated entry point must name every file exactly:
// written with Go's escapes, "x\a.js" read as JavaScript is "xa.js" (and
// "\U000e0001" is "U000e0001"), so with such a sibling the file's own
// requires were silently lost.
func TestBatchScanNamesWithEscapes(t *testing.T) {
	for _, names := range [][]string{{"x\a.js", "xa.js"}, {"e\U000e0001.js", "eU000e0001.js"}} {
		dir := t.TempDir()
		var paths []string
		for _, n := range names {
			p := filepath.Join(dir, n)
			if err := os.WriteFile(p, []byte("require('dep');\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			paths = append(paths, p)
		}
		res := NewScanner(resolver.OS()).scanFiles(context.Background(), paths)
		for _, p := range paths {
			if got := res[p].imports; len(got) != 1 || got[0].Specifier != "dep" {
				t.Errorf("%q: imports %+v, want the one require of dep", p, got)
			}
		}
	}
}
