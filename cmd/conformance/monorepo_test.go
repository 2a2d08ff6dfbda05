package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMonorepos compares zisi with the reference on the npm and pnpm
// workspace fixtures, both given the workspace as the repository root and
// the site as the base path, as Netlify Build calls the reference: the
// same functions, fields and archive entries (less the documented
// symlink differences), and every zisi archive loads alone in node. It
// needs the reference installed (make test does it; ZISI_REFERENCE_DIR).
func TestMonorepos(t *testing.T) {
	ref := os.Getenv("ZISI_REFERENCE_DIR")
	if ref == "" {
		t.Skip("ZISI_REFERENCE_DIR not set (make test sets it up)")
	}
	for _, tt := range []struct {
		fixture string
		// same are the functions whose archives have the reference's
		// entries exactly; the others are differences.json's.
		same        []string
		intentional string
	}{
		{"monorepo-npm", []string{"v1-zisi", "v1-esbuild", "v2"}, "1 intentional"},
		{"monorepo-pnpm", []string{"v1-esbuild", "v2"}, "2 intentional"},
	} {
		t.Run(tt.fixture, func(t *testing.T) {
			t.Parallel()
			root := filepath.Join("..", "..", "fixtures", tt.fixture)
			var out, errb bytes.Buffer
			code := run(t.Context(), []string{"-v", "-reference", ref, "-repository-root", root, filepath.Join(root, "packages", "site")}, &out, &errb)
			if code != 0 {
				t.Fatalf("exit %d\n%s%s", code, out.String(), errb.String())
			}
			want := []string{tt.intentional + " differences", " 0 failed"}
			for _, fn := range tt.same {
				want = append(want, "PASS  "+tt.fixture+"/packages/site/"+fn+"\n")
			}
			for _, w := range want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}
