package node

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zisi-build/zisi/internal/discover"
)

func site(t *testing.T, files ...string) string {
	t.Helper()
	root := t.TempDir()
	for _, f := range files {
		p := filepath.Join(root, filepath.FromSlash(f))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func discoverOne(t *testing.T, path string) discover.Function {
	t.Helper()
	res, err := discover.DiscoverPaths(t.Context(), []string{path}, discover.Options{})
	if err != nil || len(res.Functions) != 1 {
		t.Fatalf("discover %s: %v %+v", path, err, res)
	}
	return res.Functions[0]
}

func TestLay(t *testing.T) {
	t.Parallel()
	cases := []struct {
		rule      string
		files     []string
		fn        string
		dirOutput bool
		want      []string // entry names; "name=content" for generated ones
	}{
		{
			rule:  "§11.3 a single file at the root needs no entry file",
			files: []string{"fns/hello.js"},
			fn:    "fns/hello.js",
			want:  []string{"hello.js"},
		},
		{
			rule:  "§11.3 a .cjs main file at the root needs no entry file",
			files: []string{"fns/legacy.cjs"},
			fn:    "fns/legacy.cjs",
			want:  []string{"legacy.cjs"},
		},
		{
			rule:  "§11.3 an index.js main file gets <stem>.js re-exporting it",
			files: []string{"fns/api/index.js", "fns/api/lib/util.js"},
			fn:    "fns/api",
			want:  []string{"api.js=module.exports = require('./index.js')", "index.js", "lib/util.js"},
		},
		{
			rule:  "§11.3 {dir}/{dir}.js is already the entry",
			files: []string{"fns/greet/greet.js", "fns/greet/data.json"},
			fn:    "fns/greet",
			want:  []string{"data.json", "greet.js"},
		},
		{
			rule:  "§11.3 another file at <stem>.mjs forces the src/ namespace",
			files: []string{"fns/conf/index.js", "fns/conf/conf.mjs"},
			fn:    "fns/conf",
			want:  []string{"conf.js=module.exports = require('./src/index.js')", "src/conf.mjs", "src/index.js"},
		},
		{
			rule:  "§11.2 a dotted directory keeps its name for the main file, the stem drops the extension",
			files: []string{"fns/my.func/my.func.js"},
			fn:    "fns/my.func",
			want:  []string{"my.func.js", "my.js=module.exports = require('./my.func.js')"},
		},
		{
			rule:      "§11.6 directory output always writes the entry file unless a shipped file takes its place",
			files:     []string{"fns/greet/greet.js", "fns/api/index.js"},
			fn:        "fns/api",
			dirOutput: true,
			want:      []string{"api.js=module.exports = require('./index.js')", "index.js"},
		},
		{
			rule:      "§11.6 directory output: the source file wins over the entry file of the same name",
			files:     []string{"fns/hello.js"},
			fn:        "fns/hello.js",
			dirOutput: true,
			want:      []string{"hello.js"},
		},
		{
			rule:  "§11.2 junk and dotfiles and nested node_modules are not shipped with a directory",
			files: []string{"fns/d/index.js", "fns/d/.env", "fns/d/Thumbs.db", "fns/d/notes~", "fns/d/.git/config", "fns/d/node_modules/x/index.js", "fns/d/sub/ok.txt"},
			fn:    "fns/d",
			want:  []string{"d.js=module.exports = require('./index.js')", "index.js", "sub/ok.txt"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.rule, func(t *testing.T) {
			t.Parallel()
			root := site(t, tc.files...)
			fn := discoverOne(t, filepath.Join(root, tc.fn))
			b, err := Build(t.Context(), Input{Function: fn, Env: NewEnv(root)})
			if err != nil {
				t.Fatal(err)
			}
			l, err := Lay(fn, b, LayOptions{DirOutput: tc.dirOutput})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range l.Entries {
				if e.Path == "" {
					got = append(got, e.Name+"="+string(e.Data))
				} else {
					got = append(got, e.Name)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("entries:\n got  %q\n want %q", got, tc.want)
			}
			stem := strings.TrimSuffix(fn.Filename, filepath.Ext(fn.Filename))
			if l.EntryFilename != stem+".js" {
				t.Errorf("entryFilename %q", l.EntryFilename)
			}
		})
	}
}

func TestLayRejectsReservedPath(t *testing.T) {
	t.Parallel()
	root := site(t, "fns/f/index.js", "fns/f/___netlify-entry-point/x.js")
	fn := discoverOne(t, filepath.Join(root, "fns/f"))
	b, err := Build(t.Context(), Input{Function: fn, Env: NewEnv(root)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Lay(fn, b, LayOptions{}); err == nil || !strings.Contains(err.Error(), "reserved word") {
		t.Fatalf("got %v", err)
	}
}
