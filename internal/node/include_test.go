package node

import (
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// TestIncludedSymlinkedFolder: a symlinked folder matched by
// included_files stays a link when its target's files are matched too
// (pnpm's node_modules/x -> .pnpm/x), and is walked under its own name
// otherwise.
func TestIncludedSymlinkedFolder(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"site/fn.mjs": mapFile("export default async () => new Response('')\n"),
		"site/node_modules/.pnpm/dep/package.json": mapFile(`{"name":"dep"}`),
		"site/node_modules/dep":                    &fstest.MapFile{Data: []byte("./.pnpm/dep"), Mode: fs.ModeSymlink | 0o777},
		"site/data/shared":                         &fstest.MapFile{Data: []byte("../../lib"), Mode: fs.ModeSymlink | 0o777},
		"lib/util.json":                            mapFile("{}"),
	}
	for _, c := range []struct {
		patterns []string
		want     []string
	}{
		{[]string{"**"}, []string{"data/shared/util.json", "fn.mjs", "node_modules/.pnpm/dep/package.json", "node_modules/dep"}},
		{[]string{"node_modules/d*"}, []string{"node_modules/dep/package.json"}},
		{[]string{"**", "!node_modules/.pnpm/**"}, []string{"data/shared/util.json", "fn.mjs", "node_modules/dep/package.json"}},
	} {
		inc, err := parseIncludes(c.patterns, "/site", "/site")
		if err != nil {
			t.Fatal(err)
		}
		sub, _ := fs.Sub(fsys, "site")
		inc.fsys = sub
		files, err := inc.files()
		if err != nil {
			t.Fatalf("%q: %v", c.patterns, err)
		}
		var got []string
		for _, f := range files {
			got = append(got, strings.TrimPrefix(f, "/site/"))
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%q: got %q, want %q", c.patterns, got, c.want)
		}
	}
}
