package discover

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// tree creates files under root; a name ending in "/" is a directory.
func tree(t *testing.T, root string, files ...string) {
	t.Helper()
	for _, f := range files {
		p := filepath.Join(root, filepath.FromSlash(f))
		if strings.HasSuffix(f, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("exports.handler = async () => ({})\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

type want struct {
	name, runtime, main string // main is relative to the site root
}

func names(t *testing.T, root string, fns []Function) []want {
	t.Helper()
	var out []want
	for _, fn := range fns {
		rel, err := filepath.Rel(root, fn.MainFile)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, want{fn.Name, string(fn.Runtime), filepath.ToSlash(rel)})
	}
	return out
}

func TestDiscoveryRules(t *testing.T) {
	t.Parallel()
	cases := []struct {
		rule  string
		files []string
		dirs  []string // source folders, relative to the site root; default "fns"
		list  []want   // ListFunctions: every candidate
		zip   []want   // zipFunctions: deduplicated by name
	}{
		{
			rule:  "§1.3 every claimed extension is a function; the name drops the extension",
			files: []string{"fns/a.js", "fns/b.mjs", "fns/c.cjs", "fns/d.ts", "fns/e.tsx", "fns/f.mts", "fns/g.cts", "fns/h.zip"},
			list:  []want{{"a", "js", "fns/a.js"}, {"b", "js", "fns/b.mjs"}, {"c", "js", "fns/c.cjs"}, {"d", "js", "fns/d.ts"}, {"e", "js", "fns/e.tsx"}, {"f", "js", "fns/f.mts"}, {"g", "js", "fns/g.cts"}, {"h", "js", "fns/h.zip"}},
		},
		{
			rule:  "§1.2 unclaimed files are ignored; §1.3 dotfiles, tests and declaration files are functions",
			files: []string{"fns/README.md", "fns/data.json", "fns/run.sh", "fns/loose.go", "fns/.eslintrc.js", "fns/foo.test.js", "fns/types.d.ts"},
			list:  []want{{".eslintrc", "js", "fns/.eslintrc.js"}, {"foo.test", "js", "fns/foo.test.js"}, {"types.d", "js", "fns/types.d.ts"}},
		},
		{
			rule:  "§1.3 directory main file order: {dir}.js, index.js, {dir}.ts, index.ts, …",
			files: []string{"fns/a/a.ts", "fns/a/index.js", "fns/b/index.ts", "fns/b/b.mjs", "fns/c/c.cts", "fns/c/index.mts", "fns/d/index.cts", "fns/e/helper.js"},
			list:  []want{{"a", "js", "fns/a/index.js"}, {"b", "js", "fns/b/index.ts"}, {"c", "js", "fns/c/index.mts"}, {"d", "js", "fns/d/index.cts"}},
		},
		{
			rule:  "§1.3 {dir}.js beats index.js; a directory name keeps its dots for lookup but the name drops the extension",
			files: []string{"fns/my.func/my.func.js", "fns/my.func/index.js", "fns/four.js/four.js.js"},
			list:  []want{{"four", "js", "fns/four.js/four.js.js"}, {"my", "js", "fns/my.func/my.func.js"}},
		},
		{
			rule:  "§1.3 node_modules is skipped, even with a main file inside",
			files: []string{"fns/node_modules/index.js", "fns/ok.js"},
			list:  []want{{"ok", "js", "fns/ok.js"}},
		},
		{
			rule:  "§1.3 a directory without a main file is no function; .zip is never a directory main file",
			files: []string{"fns/empty/", "fns/zipdir/zipdir.zip", "fns/zipdir/readme.txt"},
		},
		{
			rule:  "§1.3 a directory beats a file of the same name",
			files: []string{"fns/foo.js", "fns/foo/index.js"},
			list:  []want{{"foo", "js", "fns/foo.js"}, {"foo", "js", "fns/foo/index.js"}},
			zip:   []want{{"foo", "js", "fns/foo/index.js"}},
		},
		{
			rule:  "§1.3 extension precedence .js > .zip > .mjs > .cjs > .ts > .tsx > .mts > .cts",
			files: []string{"fns/a.cts", "fns/a.mts", "fns/a.tsx", "fns/a.ts", "fns/a.cjs", "fns/a.mjs", "fns/a.zip", "fns/a.js", "fns/b.ts", "fns/b.zip", "fns/c.cts", "fns/c.mjs", "fns/d.tsx", "fns/d.ts"},
			zip:   []want{{"a", "js", "fns/a.js"}, {"b", "js", "fns/b.zip"}, {"c", "js", "fns/c.mjs"}, {"d", "js", "fns/d.ts"}},
		},
		{
			rule:  "§1.3 the same name and extension in two folders: the later folder wins",
			files: []string{"one/dup.js", "two/dup.js", "one/only.js"},
			dirs:  []string{"one", "two"},
			zip:   []want{{"dup", "js", "two/dup.js"}, {"only", "js", "one/only.js"}},
		},
		{
			rule:  "§1.3 extension precedence holds across folders in either order",
			files: []string{"c/x.js", "d/x.ts"},
			dirs:  []string{"d", "c"},
			zip:   []want{{"x", "js", "c/x.js"}},
		},
		{
			rule:  "§1.3 extension precedence holds across folders in either order (reversed)",
			files: []string{"c/x.js", "d/x.ts"},
			dirs:  []string{"c", "d"},
			zip:   []want{{"x", "js", "c/x.js"}},
		},
		{
			rule:  "§1.3 same-named files next to each other are ordered by extension: the earlier folder's .js wins",
			files: []string{"gen/greet.js", "user/greet.mjs"},
			dirs:  []string{"gen", "user"},
			zip:   []want{{"greet", "js", "gen/greet.js"}},
		},
		{
			rule:  "§1.3 the finder's comparator orders only same-named files, with V8's sort: a file between them keeps the later folder's .mjs last (node's order)",
			files: []string{"gen/greet.js", "gen/h.js", "user/greet.mjs"},
			dirs:  []string{"gen", "user"},
			zip:   []want{{"greet", "js", "user/greet.mjs"}, {"h", "js", "gen/h.js"}},
		},
		{
			rule:  "§1.3 …and a directory between them (sorted to the end) changes it again (node's order)",
			files: []string{"gen/greet.js", "gen/ssr/ssr.mjs", "user/greet.mjs", "user/zz.js"},
			dirs:  []string{"gen", "user"},
			zip:   []want{{"greet", "js", "gen/greet.js"}, {"zz", "js", "user/zz.js"}, {"ssr", "js", "gen/ssr/ssr.mjs"}},
		},
		{
			rule:  "§1.7 a directory with {dir}.go or main.go is a Go function ({dir}.go preferred)",
			files: []string{"fns/gofn/main.go", "fns/gofn/gofn.go", "fns/other/main.go"},
			list:  []want{{"gofn", "go", "fns/gofn/gofn.go"}, {"other", "go", "fns/other/main.go"}},
		},
		{
			rule:  "§1.4 across runtimes the later runtime wins, in the earlier slot",
			files: []string{"fns/foo.js", "fns/foo/main.go", "fns/zed.js"},
			zip:   []want{{"foo", "go", "fns/foo/main.go"}, {"zed", "js", "fns/zed.js"}},
		},
		{
			rule:  "§1.4 results list JS files, then JS directories, then Go",
			files: []string{"fns/a/index.js", "fns/b.js", "fns/c/main.go", "fns/d.js"},
			zip:   []want{{"b", "js", "fns/b.js"}, {"d", "js", "fns/d.js"}, {"a", "js", "fns/a/index.js"}, {"c", "go", "fns/c/main.go"}},
		},
		{
			rule:  "§1.5 unicode, spaces and dots are valid names",
			files: []string{"fns/héllo wörld.js", "fns/v1.2.js"},
			list:  []want{{"héllo wörld", "js", "fns/héllo wörld.js"}, {"v1.2", "js", "fns/v1.2.js"}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.rule, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			tree(t, root, tc.files...)
			dirs := tc.dirs
			if dirs == nil {
				dirs = []string{"fns"}
			}
			var src []string
			for _, d := range dirs {
				src = append(src, filepath.Join(root, d))
			}
			res, err := Discover(t.Context(), src, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if tc.list != nil || tc.zip == nil {
				assertFunctions(t, "list", names(t, root, res.Functions), tc.list)
			}
			if tc.zip != nil {
				assertFunctions(t, "zip", names(t, root, Dedupe(res.Functions)), tc.zip)
			}
		})
	}
}

func assertFunctions(t *testing.T, what string, got, want []want) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d functions %v, want %d %v", what, len(got), got, len(want), want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("%s[%d]: got %+v, want %+v", what, i, got[i], want[i])
		}
	}
}

func TestDiscoverMissingFolderWarns(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	tree(t, root, "fns/a.js")
	res, err := Discover(t.Context(), []string{filepath.Join(root, "missing"), filepath.Join(root, "fns")}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Functions) != 1 || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0].String(), "does not exist") {
		t.Fatalf("got %+v", res)
	}
}

func TestDiscoverFileAsFolderFails(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	tree(t, root, "a.js")
	_, err := Discover(t.Context(), []string{filepath.Join(root, "a.js")}, Options{})
	if !errors.Is(err, ErrSourceNotDirectory) {
		t.Fatalf("got %v, want ErrSourceNotDirectory", err)
	}
}

func TestDiscoverSymlinkedFile(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	tree(t, root, "real/impl.js", "fns/")
	if err := os.Symlink(filepath.Join(root, "real/impl.js"), filepath.Join(root, "fns/linked.js")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, "real"), filepath.Join(root, "fns/linkdir")); err != nil {
		t.Fatal(err)
	}
	res, err := Discover(t.Context(), []string{filepath.Join(root, "fns")}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// §1.3: lstat is used, so a symlink named x.js is a function and a
	// symlink to a directory is not.
	assertFunctions(t, "list", names(t, root, res.Functions), []want{{"linked", "js", "fns/linked.js"}})
}

var (
	binOnce sync.Once
	binDir  string
	binErr  error
)

// goBinaries builds a tiny Go program for linux/amd64, linux/arm64 and
// freebsd/amd64 once for all tests, with the real toolchain.
func goBinaries(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "zisi-bin-")
		if binErr != nil {
			return
		}
		src := filepath.Join(binDir, "src")
		os.MkdirAll(src, 0o755)
		os.WriteFile(filepath.Join(src, "go.mod"), []byte("module example.com/tiny\n\ngo 1.21\n"), 0o644)
		os.WriteFile(filepath.Join(src, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o644)
		for _, target := range []string{"linux/amd64", "linux/arm64", "freebsd/amd64"} {
			goos, goarch, _ := strings.Cut(target, "/")
			cmd := exec.Command("go", "build", "-o", filepath.Join(binDir, goos+"-"+goarch), ".")
			cmd.Dir = src
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch)
			if out, err := cmd.CombinedOutput(); err != nil {
				binErr = errors.New(string(out))
				return
			}
		}
	})
	if binErr != nil {
		t.Fatalf("build test binaries: %v", binErr)
	}
	return binDir
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o755); err != nil {
		t.Fatal(err)
	}
}

func TestDiscoverPrebuiltBinaries(t *testing.T) {
	t.Parallel()
	bins := goBinaries(t)
	root := t.TempDir()
	tree(t, root, "fns/")
	copyFile(t, filepath.Join(bins, "linux-amd64"), filepath.Join(root, "fns/prebin.exe"))
	copyFile(t, filepath.Join(bins, "linux-arm64"), filepath.Join(root, "fns/armbin"))
	copyFile(t, filepath.Join(bins, "freebsd-amd64"), filepath.Join(root, "fns/bsdbin"))
	copyFile(t, filepath.Join(bins, "linux-amd64"), filepath.Join(root, "fns/wins.js"))
	res, err := Discover(t.Context(), []string{filepath.Join(root, "fns")}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// §1.7: the file name is irrelevant (prebin.exe, name prebin); a binary
	// named x.js is claimed by the JS runtime first.
	assertFunctions(t, "list", names(t, root, res.Functions), []want{{"wins", "js", "fns/wins.js"}, {"prebin", "go", "fns/prebin.exe"}})
	if res.Functions[1].Kind != KindBinary || res.Functions[1].Binary.Arch != "amd64" {
		t.Errorf("prebin: got %+v", res.Functions[1])
	}
	// Wrong platform binaries are reported, not skipped silently.
	var msgs []string
	for _, w := range res.Warnings {
		msgs = append(msgs, w.String())
	}
	joined := strings.Join(msgs, "\n")
	for _, wantMsg := range []string{"armbin: found a go binary for linux/arm64", "bsdbin: found a go binary for freebsd/amd64"} {
		if !strings.Contains(joined, wantMsg) {
			t.Errorf("warnings %q lack %q", joined, wantMsg)
		}
	}
	// go_arch is per function: with arm64 for armbin only, both binaries
	// are functions, and the amd64 one still is.
	arm := func(name string) string {
		if name == "armbin" {
			return "arm64"
		}
		return ""
	}
	res, err = Discover(t.Context(), []string{filepath.Join(root, "fns")}, Options{Arch: arm})
	if err != nil {
		t.Fatal(err)
	}
	assertFunctions(t, "arm64", names(t, root, res.Functions), []want{{"wins", "js", "fns/wins.js"}, {"armbin", "go", "fns/armbin"}, {"prebin", "go", "fns/prebin.exe"}})
}

func TestDiscoverSkippedEntries(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	tree(t, root, "fns/a.js", "fns/b/index.ts", "fns/go/main.go", "fns/script.py", "fns/notes.txt", "fns/README.md",
		"fns/Makefile", "fns/utils/db.js", "fns/empty/", "fns/.DS_Store", "fns/.gitkeep", "fns/Thumbs.db",
		"fns/node_modules/x/index.js")
	if err := os.Symlink(filepath.Join(root, "fns/utils"), filepath.Join(root, "fns/linked")); err != nil {
		t.Fatal(err)
	}
	res, err := Discover(t.Context(), []string{filepath.Join(root, "fns")}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Functions) != 3 || len(res.Warnings) != 0 {
		t.Fatalf("functions %+v warnings %v", res.Functions, res.Warnings)
	}
	var got []string
	for _, s := range res.Skipped {
		rel, _ := filepath.Rel(filepath.Join(root, "fns"), s.Path)
		got = append(got, rel+": "+s.Msg)
	}
	// One note per entry, in the folder's order; hidden files, Thumbs.db
	// and node_modules get none.
	wantPrefixes := []string{
		"Makefile: not a function, skipped: neither a function file (.js, .mjs, .cjs, .ts, .tsx, .mts, .cts, .zip) nor a Linux Go or Rust binary",
		"README.md: not a function (documentation), skipped",
		"empty: not a function, skipped: a function folder has a main file, empty.js or index.js",
		"linked: not a function, skipped: a symbolic link to a folder",
		"notes.txt: not a function, skipped: .txt is not a function file type (.js, .mjs, .cjs, .ts, .tsx, .mts, .cts, .zip)",
		"script.py: not a function, skipped: .py is not a function file type",
		"utils: not a function, skipped: a function folder has a main file, utils.js or index.js (or .ts, .mjs, .cjs, .tsx, .mts, .cts), utils.go or main.go",
	}
	if len(got) != len(wantPrefixes) {
		t.Fatalf("skipped:\n%s", strings.Join(got, "\n"))
	}
	for i, w := range wantPrefixes {
		if !strings.HasPrefix(got[i], w) {
			t.Errorf("skipped[%d] = %q, want %q…", i, got[i], w)
		}
	}
}
