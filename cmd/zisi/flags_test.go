package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zisi-build/zisi/internal/testfs"
)

// TestFeatureFlagOption: --feature-flag NAME turns a flag on, NAME=false
// off (repeatable, after the folders too); the flags reach build, files
// and list; a value that is not a boolean is a usage error naming the
// flag; an unknown name warns with the closest known one.
func TestFeatureFlagOption(t *testing.T) {
	t.Parallel()
	src := testfs.Site(t, map[string]string{
		"dirfn/index.js":  "const { x } = require('./helper.js');\nexports.handler = async () => ({ statusCode: 200, body: x });\n",
		"dirfn/helper.js": "exports.x = 'x';\n",
		"dirfn/data.txt":  "data",
	})
	for _, tc := range []struct {
		flags []string
		entry string
	}{
		{nil, "dirfn.js"},
		{[]string{"--feature-flag", "zisi_output_cjs_extension"}, "dirfn.cjs"},
		{[]string{"--feature-flag", "zisi_output_cjs_extension=true", "--feature-flag", "zisi_output_cjs_extension=false"}, "dirfn.js"},
		{[]string{"--feature-flag=zisi_output_cjs_extension=1"}, "dirfn.cjs"},
	} {
		out := t.TempDir()
		r := run(t, append([]string{"build", src, out, "--archive-format", "none"}, tc.flags...)...)
		if r.code != 0 {
			t.Fatalf("%q: exit %d\n%s", tc.flags, r.code, r.stderr)
		}
		if _, err := os.Stat(filepath.Join(out, "dirfn", tc.entry)); err != nil {
			t.Errorf("%q: %v", tc.flags, err)
		}
	}

	// traceWithNft: nft traces helper.js and ships data.txt as a file of
	// the directory function; the zisi bundler traces nothing.
	r := run(t, "files", src, "--json")
	if r.code != 0 || strings.Contains(r.stdout, `"why": "reached from a traced file"`) {
		t.Errorf("files: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = run(t, "files", src, "--feature-flag", "traceWithNft", "--json")
	if r.code != 0 || !strings.Contains(r.stdout, `"why": "reached from a traced file"`) || !strings.Contains(r.stdout, `"why": "file of a directory function (they ship whole)"`) {
		t.Errorf("files with traceWithNft: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}

	for _, cmd := range []string{"build", "list", "files", "why"} {
		args := []string{cmd, "--feature-flag", "zisi_pure_esm=maybe"}
		switch cmd {
		case "build":
			args = append(args, src, t.TempDir())
		case "why":
			args = append(args, "--src", src, "dirfn", "helper.js")
		default:
			args = append(args, src)
		}
		r := run(t, args...)
		if want := `--feature-flag zisi_pure_esm: "maybe" is not a boolean; use zisi_pure_esm=true or zisi_pure_esm=false`; r.code != 2 || !strings.Contains(r.stderr, want) {
			t.Errorf("%s: exit %d, stderr %q; want exit 2 and %q", cmd, r.code, r.stderr, want)
		}
	}
	if r := run(t, "build", "--feature-flag", "=true", src, t.TempDir()); r.code != 2 || !strings.Contains(r.stderr, "--feature-flag needs a flag name") {
		t.Errorf("no name: exit %d, stderr %q", r.code, r.stderr)
	}

	r = run(t, "build", "--feature-flag", "zisi_pure_esn", src, t.TempDir())
	if want := `unknown feature flag "zisi_pure_esn" is ignored; did you mean "zisi_pure_esm"?`; r.code != 0 || !strings.Contains(r.stderr, want) {
		t.Errorf("unknown flag: exit %d, stderr %q; want %q", r.code, r.stderr, want)
	}
}
