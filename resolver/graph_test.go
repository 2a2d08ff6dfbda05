package resolver

import (
	"regexp"
	"slices"
	"testing"
	"testing/fstest"
)

// junkPattern is the npm package junk (v4) regular expression, which
// IsJunk replaces with plain string tests (it cost 9% of a large build's
// CPU in backtracking).
var junkPattern = regexp.MustCompile(`^npm-debug\.log$|^\..*\.swp$|^\.DS_Store$|^\.AppleDouble$|^\.LSOverride$|^Icon\r$|^\._.*|^\.Spotlight-V100$|\.Trashes|^__MACOSX$|~$|^Thumbs\.db$|^ehthumbs\.db$|^[Dd]esktop\.ini$|@eaDir$`)

func TestIsJunkMatchesThePattern(t *testing.T) {
	t.Parallel()
	names := []string{"npm-debug.log", "x.npm-debug.log", ".a.swp", "..swp", ".swp", "a.swp", ".DS_Store", ".DS_Store2",
		".AppleDouble", ".LSOverride", "Icon\r", "Icon", "._x", "._", ".Spotlight-V100", "a.Trashes.b", "__MACOSX",
		"x~", "~x", "Thumbs.db", "ehthumbs.db", "Desktop.ini", "desktop.ini", "DESKTOP.ini", "x@eaDir", "@eaDirx",
		"index.js", ".env", "", "."}
	for _, n := range names {
		if got, want := IsJunk(n), junkPattern.MatchString(n); got != want {
			t.Errorf("IsJunk(%q) = %v, the pattern says %v", n, got, want)
		}
	}
}

func FuzzIsJunk(f *testing.F) {
	for _, s := range []string{".a.swp", "x~", "._y", "Icon\r", "a.Trashes"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if got, want := IsJunk(name), junkPattern.MatchString(name); got != want {
			t.Fatalf("IsJunk(%q) = %v, the pattern says %v", name, got, want)
		}
	})
}

// TestGraph loads a package graph from an in-memory tree: whole packages
// minus the root-level ignores and junk, dependencies found from each
// package's own folder (the nested copy wins), optional and missing ones
// told apart, the Prisma CLI never followed, natives flagged.
func TestGraph(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"s/node_modules/a/package.json":                file(`{"name":"a","version":"1.0.0","dependencies":{"b":"1","gone":"1"},"optionalDependencies":{"opt":"1"},"peerDependencies":{"prisma":"5"}}`),
		"s/node_modules/a/index.js":                    file(""),
		"s/node_modules/a/lib/deep.ts":                 file(""),
		"s/node_modules/a/types.ts":                    file(""),
		"s/node_modules/a/.DS_Store":                   file(""),
		"s/node_modules/a/yarn.lock":                   file(""),
		"s/node_modules/a/node_modules/b/package.json": file(`{"name":"b","version":"1.0.0"}`),
		"s/node_modules/a/node_modules/b/index.js":     file(""),
		"s/node_modules/b/package.json":                file(`{"name":"b","version":"2.0.0","gypfile":true}`),
		"s/node_modules/@prisma/client/package.json":   file(`{"name":"@prisma/client","version":"5.0.0"}`),
		"s/node_modules/@prisma/client/index.js":       file(""),
		"s/node_modules/.prisma/client/index.js":       file(""),
		"s/node_modules/.prisma/client/schema.prisma":  file(""),
	}
	r := New(fsys)
	g := NewGraph(r)
	a, err := r.FindPackage("a", "/s")
	if err != nil {
		t.Fatal(err)
	}
	n := g.Node(t.Context(), a)
	if n.Err != nil {
		t.Fatal(n.Err)
	}
	want := []string{"/s/node_modules/a/index.js", "/s/node_modules/a/lib/deep.ts", "/s/node_modules/a/package.json"}
	if files := slices.Sorted(slices.Values(n.Files)); !slices.Equal(files, want) {
		t.Errorf("files %q, want %q", files, want)
	}
	if n.Version != "1.0.0" || n.Native || len(n.Deps) != 3 {
		t.Fatalf("node %+v", n)
	}
	byName := map[string]Dep{}
	for _, d := range n.Deps {
		byName[d.Name] = d
	}
	if b := byName["b"]; b.Pkg == nil || b.Pkg.Dir != "/s/node_modules/a/node_modules/b" {
		t.Errorf("b = %+v: the nested copy must win", b)
	}
	if gone := byName["gone"]; gone.Pkg != nil || gone.Optional {
		t.Errorf("gone = %+v, want missing and required", gone)
	}
	if opt := byName["opt"]; opt.Pkg != nil || !opt.Optional {
		t.Errorf("opt = %+v, want missing and optional", opt)
	}
	if _, ok := byName["prisma"]; ok {
		t.Error("the Prisma CLI peer was followed")
	}
	hoisted, _ := r.FindPackage("b", "/s")
	if !g.Node(t.Context(), hoisted).Native {
		t.Error("a gypfile package is native")
	}
	if g.Node(t.Context(), a) != n {
		t.Error("a package is loaded twice")
	}
	prisma, _ := r.FindPackage("@prisma/client", "/s")
	if files := g.Node(t.Context(), prisma).Files; !slices.Contains(files, "/s/node_modules/.prisma/client/schema.prisma") {
		t.Errorf("@prisma/client ships %q, without the generated client", files)
	}
}
