package resolver

import (
	"errors"
	"io/fs"
	"slices"
	"testing"
	"testing/fstest"
)

func file(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s), Mode: 0o644} }
func link(to string) *fstest.MapFile {
	return &fstest.MapFile{Data: []byte(to), Mode: fs.ModeSymlink | 0o777}
}

// site is a small project with every resolution shape, symlinks included.
var site = fstest.MapFS{
	"s/package.json":          file(`{"name":"site","imports":{"#lib/*":"./lib/*.js","#dep":"dep-a"},"exports":{".":"./fns/a.js","./util":"./lib/util.js"}}`),
	"s/fns/a.js":              file(""),
	"s/fns/data.json":         file("{}"),
	"s/fns/native.node":       file(""),
	"s/fns/esm.mjs":           file(""),
	"s/fns/dir/index.js":      file(""),
	"s/fns/main/package.json": file(`{"main":"lib/start"}`),
	"s/fns/main/lib/start.js": file(""),
	"s/lib/util.js":           file(""),

	// Plain CommonJS package with main, and a nested conflicting version.
	"s/node_modules/dep-a/package.json":                    file(`{"name":"dep-a","version":"1.0.0","main":"./main.js","dependencies":{"dep-b":"^1"}}`),
	"s/node_modules/dep-a/main.js":                         file(""),
	"s/node_modules/dep-a/sub/file.js":                     file(""),
	"s/node_modules/dep-a/node_modules/dep-b/package.json": file(`{"name":"dep-b","version":"1.0.0"}`),
	"s/node_modules/dep-a/node_modules/dep-b/index.js":     file(""),
	"s/node_modules/dep-b/package.json":                    file(`{"name":"dep-b","version":"2.0.0"}`),
	"s/node_modules/dep-b/index.js":                        file(""),
	"s/node_modules/@scope/pkg/package.json":               file(`{"name":"@scope/pkg"}`),
	"s/node_modules/@scope/pkg/index.js":                   file(""),
	"s/node_modules/@scope/pkg/deep/x.js":                  file(""),

	// exports with conditions, subpaths, patterns and exclusions.
	"s/node_modules/ex/package.json": file(`{"name":"ex","main":"./legacy.js","exports":{
		".":{"import":{"node":"./esm/index.mjs","default":"./esm/browser.mjs"},"require":"./cjs/index.js"},
		"./feature":["./missing.js","./cjs/feature.js"],
		"./features/*.js":"./cjs/features/*.js",
		"./features/private/*":null,
		"./package.json":"./package.json"}}`),
	"s/node_modules/ex/legacy.js":              file(""),
	"s/node_modules/ex/esm/index.mjs":          file(""),
	"s/node_modules/ex/cjs/index.js":           file(""),
	"s/node_modules/ex/cjs/feature.js":         file(""),
	"s/node_modules/ex/cjs/features/one.js":    file(""),
	"s/node_modules/ex/cjs/features/private/x": file(""),
	"s/node_modules/sugar/package.json":        file(`{"name":"sugar","exports":"./only.js"}`),
	"s/node_modules/sugar/only.js":             file(""),

	// pnpm: node_modules/p -> .pnpm/p@1/node_modules/p, whose dependency q
	// is a sibling link inside the store.
	"s/node_modules/p": link(".pnpm/p@1.0.0/node_modules/p"),
	"s/node_modules/.pnpm/p@1.0.0/node_modules/p/package.json": file(`{"name":"p","version":"1.0.0","dependencies":{"q":"1"}}`),
	"s/node_modules/.pnpm/p@1.0.0/node_modules/p/index.js":     file(""),
	"s/node_modules/.pnpm/p@1.0.0/node_modules/q":              link("../../q@1.0.0/node_modules/q"),
	"s/node_modules/.pnpm/q@1.0.0/node_modules/q/package.json": file(`{"name":"q","version":"1.0.0"}`),
	"s/node_modules/.pnpm/q@1.0.0/node_modules/q/index.js":     file(""),

	// Prisma: the generated client is the package .prisma/client (the
	// .prisma folder itself has no package.json), required by bare name.
	"s/node_modules/@prisma/client/package.json":  file(`{"name":"@prisma/client","version":"5.0.0","main":"index.js"}`),
	"s/node_modules/@prisma/client/index.js":      file(`module.exports = require(".prisma/client/default")`),
	"s/node_modules/.prisma/client/package.json":  file(`{"name":".prisma/client","main":"index.js"}`),
	"s/node_modules/.prisma/client/index.js":      file(""),
	"s/node_modules/.prisma/client/default.js":    file(""),
	"s/node_modules/.prisma/client/schema.prisma": file(""),

	// npm link to a directory outside the site, and a link loop.
	"s/node_modules/linked":        link("/dev-libs/linked"),
	"dev-libs/linked/package.json": file(`{"name":"linked","main":"lib.js"}`),
	"dev-libs/linked/lib.js":       file(""),
	"s/loop/a":                     link("b"),
	"s/loop/b":                     link("a"),
}

func TestResolve(t *testing.T) {
	t.Parallel()
	r := New(site)
	cases := []struct {
		spec, from string
		mode       Mode
		want       string // resolved path, "builtin:x", or "error"
	}{
		{"./a", "/s/fns", Require, "/s/fns/a.js"},
		{"./a.js", "/s/fns", Require, "/s/fns/a.js"},
		{"./data", "/s/fns", Require, "/s/fns/data.json"},
		{"./native", "/s/fns", Require, "/s/fns/native.node"},
		{"./esm", "/s/fns", Require, "/s/fns/esm.mjs"},
		{"./dir", "/s/fns", Require, "/s/fns/dir/index.js"},
		{"./main", "/s/fns", Require, "/s/fns/main/lib/start.js"},
		{"../lib/util", "/s/fns", Require, "/s/lib/util.js"},
		{"/s/lib/util.js", "/s/fns", Require, "/s/lib/util.js"},
		{"./missing", "/s/fns", Require, "error"},
		{"fs", "/s/fns", Require, "builtin:fs"},
		{"node:fs/promises", "/s/fns", Import, "builtin:fs/promises"},
		{"dep-a", "/s/fns", Require, "/s/node_modules/dep-a/main.js"},
		{"dep-a/sub/file", "/s/fns", Require, "/s/node_modules/dep-a/sub/file.js"},
		{"dep-b", "/s/fns", Require, "/s/node_modules/dep-b/index.js"},
		{"dep-b", "/s/node_modules/dep-a", Require, "/s/node_modules/dep-a/node_modules/dep-b/index.js"},
		{"@scope/pkg", "/s/fns", Require, "/s/node_modules/@scope/pkg/index.js"},
		{"@scope/pkg/deep/x", "/s/fns", Require, "/s/node_modules/@scope/pkg/deep/x.js"},
		{"@scope", "/s/fns", Require, "error"},
		{"ex", "/s/fns", Require, "/s/node_modules/ex/cjs/index.js"},
		{"ex", "/s/fns", Import, "/s/node_modules/ex/esm/index.mjs"},
		{"ex/feature", "/s/fns", Require, "/s/node_modules/ex/cjs/feature.js"},
		{"ex/features/one.js", "/s/fns", Require, "/s/node_modules/ex/cjs/features/one.js"},
		{"ex/features/private/x", "/s/fns", Require, "error"},
		{"ex/legacy.js", "/s/fns", Require, "error"},
		{"ex/package.json", "/s/fns", Require, "/s/node_modules/ex/package.json"},
		{"sugar", "/s/fns", Require, "/s/node_modules/sugar/only.js"},
		{"#lib/util", "/s/fns", Require, "/s/lib/util.js"},
		{"#dep", "/s/fns", Require, "/s/node_modules/dep-a/main.js"},
		{"#nope", "/s/fns", Require, "error"},
		{"site/util", "/s/fns", Require, "/s/lib/util.js"},
		{"p", "/s/fns", Require, "/s/node_modules/.pnpm/p@1.0.0/node_modules/p/index.js"},
		{"q", "/s/node_modules/p", Require, "/s/node_modules/.pnpm/q@1.0.0/node_modules/q/index.js"},
		{"q", "/s/fns", Require, "error"},
		{"linked", "/s/fns", Require, "/dev-libs/linked/lib.js"},
		{"./loop/a", "/s", Require, "error"},
		{".prisma/client", "/s/fns", Require, "/s/node_modules/.prisma/client/index.js"},
		{".prisma/client/default", "/s/node_modules/@prisma/client", Require, "/s/node_modules/.prisma/client/default.js"},
		{".prisma", "/s/fns", Require, "error"},
		{"./.prisma/client", "/s/fns", Require, "error"},
	}
	for _, tc := range cases {
		res, err := r.Resolve(tc.spec, tc.from, tc.mode)
		got := "error"
		switch {
		case err != nil:
			if !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrSymlinkLoop) {
				t.Errorf("Resolve(%q, %q): unexpected error type %v", tc.spec, tc.from, err)
			}
		case res.Builtin != "":
			got = "builtin:" + res.Builtin
		default:
			got = res.Path
		}
		if got != tc.want {
			t.Errorf("Resolve(%q from %q, mode %d) = %s (%v), want %s", tc.spec, tc.from, tc.mode, got, err, tc.want)
		}
	}
}

func TestFindPackageAndSymlinks(t *testing.T) {
	t.Parallel()
	r := New(site)
	p, err := r.FindPackage("p", "/s/fns")
	if err != nil {
		t.Fatal(err)
	}
	if p.Link != "/s/node_modules/p" || p.Dir != "/s/node_modules/.pnpm/p@1.0.0/node_modules/p" || p.JSON.Version != "1.0.0" {
		t.Errorf("p = %+v", p)
	}
	// p's dependency q is found from p's real directory, as Node does.
	q, err := r.FindPackage("q", p.Dir)
	if err != nil || q.Link != "/s/node_modules/.pnpm/p@1.0.0/node_modules/q" {
		t.Fatalf("q = %+v, %v", q, err)
	}
	if got := r.Symlinks(q.Link); !slices.Equal(got, []string{"/s/node_modules/.pnpm/p@1.0.0/node_modules/q"}) {
		t.Errorf("Symlinks(q) = %q", got)
	}
	nested, err := r.FindPackage("dep-b", "/s/node_modules/dep-a")
	if err != nil || nested.JSON.Version != "1.0.0" {
		t.Errorf("nested dep-b = %+v, %v: the nested copy must win", nested, err)
	}
	prisma, err := r.FindPackage(".prisma/client", "/s/node_modules/@prisma/client")
	if err != nil || prisma.Dir != "/s/node_modules/.prisma/client" {
		t.Errorf(".prisma/client = %+v, %v", prisma, err)
	}
	if _, err := r.FindPackage("nope", "/s/fns"); !errors.Is(err, ErrNotFound) {
		t.Errorf("nope: %v", err)
	}
}

func TestSplitPackage(t *testing.T) {
	t.Parallel()
	for spec, want := range map[string][2]string{
		"x": {"x", "."}, "x/y/z": {"x", "./y/z"}, "@s/x": {"@s/x", "."}, "@s/x/y": {"@s/x", "./y"}, "@s": {"", ""}, "@s/": {"", ""},
		".prisma/client": {".prisma/client", "."}, ".prisma/client/default": {".prisma/client", "./default"}, ".prisma": {".prisma", "."},
	} {
		if n, s := SplitPackage(spec); n != want[0] || s != want[1] {
			t.Errorf("SplitPackage(%q) = %q %q, want %q", spec, n, s, want)
		}
	}
}

func TestParsePackageJSON(t *testing.T) {
	t.Parallel()
	pkg, err := ParsePackageJSON("/p/package.json", []byte(`{"name":"x","peerDependencies":{"a":"1","b":"2"},"peerDependenciesMeta":{"a":{"optional":true}},"gypfile":true,"dependencies":{"c":1}}`))
	if err != nil {
		t.Fatal(err)
	}
	if !pkg.OptionalPeers["a"] || pkg.OptionalPeers["b"] || !pkg.Gypfile || pkg.Dir != "/p" {
		t.Errorf("%+v", pkg)
	}
	if _, ok := pkg.Dependencies["c"]; !ok {
		t.Error("a dependency with a non-string range is still a dependency")
	}
	if _, err := ParsePackageJSON("/p/package.json", []byte(`{"name":`)); !errors.Is(err, ErrInvalidPackageJSON) {
		t.Errorf("invalid JSON: %v", err)
	}
}

// TestRelativePathsAreRefused: the resolver takes absolute paths only and
// says so, instead of walking up from "." for ever (a relative folder
// given to zisi files used to overflow the stack).
func TestRelativePathsAreRefused(t *testing.T) {
	t.Parallel()
	r := New(site)
	for _, p := range []string{".", "", "s/fns", "./s", "../s"} {
		if _, err := r.Realpath(p); !errors.Is(err, ErrRelativePath) {
			t.Errorf("Realpath(%q) = %v, want ErrRelativePath", p, err)
		}
		if _, err := r.Resolve("dep-a", p, Require); !errors.Is(err, ErrRelativePath) {
			t.Errorf("Resolve from %q = %v, want ErrRelativePath", p, err)
		}
		if _, err := r.FindPackage("dep-a", p); !errors.Is(err, ErrRelativePath) {
			t.Errorf("FindPackage from %q = %v, want ErrRelativePath", p, err)
		}
		if _, err := r.NearestPackageJSON(p); !errors.Is(err, ErrRelativePath) {
			t.Errorf("NearestPackageJSON(%q) = %v, want ErrRelativePath", p, err)
		}
		if r.IsFile(p) || r.IsDir(p) {
			t.Errorf("IsFile/IsDir(%q) is true", p)
		}
	}
}
