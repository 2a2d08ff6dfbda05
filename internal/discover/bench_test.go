package discover

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// linkFiles fills dir with n hard links to one small file named
// f00000.js, f00001.js, … (links are quicker to make than files, and are
// regular files all the same).
func linkFiles(b *testing.B, dir string, n int) {
	b.Helper()
	src := filepath.Join(b.TempDir(), "src.js")
	if err := os.WriteFile(src, []byte("exports.handler = async () => ({ statusCode: 200 })\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	for i := range n {
		if err := os.Link(src, filepath.Join(dir, fmt.Sprintf("f%05d.js", i))); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDiscoverWide: a functions folder of 5000 and 50000 function
// files (ten times a large real site at the larger size): linear.
func BenchmarkDiscoverWide(b *testing.B) {
	for _, n := range []int{5000, 50000} {
		dir := b.TempDir()
		linkFiles(b, dir, n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				res, err := Discover(b.Context(), []string{dir}, Options{})
				if err != nil {
					b.Fatal(err)
				}
				if len(res.Functions) != n {
					b.Fatalf("%d functions", len(res.Functions))
				}
			}
		})
	}
}
