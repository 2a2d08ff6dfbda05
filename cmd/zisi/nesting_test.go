package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zisi-build/zisi/internal/testfs"
)

// TestBuildDeepNesting: through the CLI, a main file nested 100000
// levels deep (which used to crash the process with a fatal stack
// overflow, exit 2) fails its function with exit 1 and a message naming
// the file and line; the previous deploy stays.
func TestBuildDeepNesting(t *testing.T) {
	t.Parallel()
	src := testfs.Site(t, map[string]string{
		"deep.js": "const x = 1\nexports.handler = async () => " + strings.Repeat("{a:", 100000) + "1" + strings.Repeat("}", 100000) + "\n",
		"ok.js":   handler,
	})
	out := t.TempDir()
	testfs.Write(t, out, map[string]string{"manifest.json": "previous"})
	r := run(t, "build", src, out)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
	}
	want := `function "deep" (js, zisi): ` + filepath.Join(src, "deep.js") + ": nesting deeper than 2000 levels at line 2; esbuild's parser would overflow its stack on it;"
	if !strings.Contains(r.stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
	}
	if data, _ := os.ReadFile(filepath.Join(out, "manifest.json")); string(data) != "previous" {
		t.Errorf("manifest.json replaced: %q", data)
	}
}
