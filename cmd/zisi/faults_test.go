package main

import (
	"archive/zip"
	"crypto/sha256"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/zisi-build/zisi/internal/testfs"
)

// fault is one bad input or fault. The site gets ok.js (a healthy
// function) besides the case's files; the destination starts with a
// previous build's manifest and archive, which must survive every case.
type fault struct {
	name  string
	files map[string]string // site-relative; functions live in fns/
	setup func(t *testing.T, site string)
	// args are the command line after "build"; SITE and OUT are replaced.
	args   []string
	code   int
	stderr []string
	// built must exist afterwards; absent must not.
	built, absent []string
	check         func(t *testing.T, site, out string)
}

const okJS = "exports.handler = async () => ({ statusCode: 200 })\n"

var faults = []fault{
	{name: "js syntax error in a main file",
		files:  map[string]string{"fns/syn.js": "exports.handler = async () => {\n  return {{;\n}\n"},
		code:   1,
		stderr: []string{`function "syn" (js, zisi): syntax error: SITE/fns/syn.js:2:11: Expected identifier`},
		absent: []string{"syn.zip"}},
	{name: "typescript syntax error",
		files:  map[string]string{"fns/synts.ts": "const x: number = ;\nexport const handler = async () => ({ statusCode: x })\n"},
		code:   1,
		stderr: []string{`function "synts" (js, esbuild): build failed with 1 error(s):`, `SITE/fns/synts.ts:1:19: Unexpected ";"`},
		absent: []string{"synts.zip"}},
	{name: "missing required module",
		files:  map[string]string{"fns/missing.js": "require('not-installed')\n" + okJS},
		code:   1,
		stderr: []string{`function "missing" (js, zisi): cannot find module "not-installed" imported by SITE/fns/missing.js:1`, "run npm install"},
		absent: []string{"missing.zip"}},
	{name: "invalid package.json",
		files:  map[string]string{"fns/badpkg/badpkg.js": okJS, "fns/badpkg/package.json": "{\"name\": \"x\",\n  \"dependencies\": {,}\n}"},
		code:   1,
		stderr: []string{`function "badpkg" (js, zisi): invalid package.json: SITE/fns/badpkg/package.json:2:20 is invalid JSON`, "fix it"},
		absent: []string{"badpkg.zip"}},
	{name: "invalid netlify.toml",
		files:  map[string]string{"netlify.toml": "[functions]\nnode_bundler = \"zisi\"\ntimeout = = 3\n"},
		args:   []string{"--config", "SITE/netlify.toml", "SITE/fns", "OUT"},
		code:   1,
		stderr: []string{"SITE/netlify.toml:3:"}},
	{name: "invalid node_bundler",
		files:  map[string]string{"netlify.toml": "[functions]\nnode_bundler = \"webpack\"\n"},
		args:   []string{"--config", "SITE/netlify.toml", "SITE/fns", "OUT"},
		code:   1,
		stderr: []string{`SITE/netlify.toml:2:1: functions.node_bundler: "webpack" is not one of zisi, esbuild, nft, none`}},
	{name: "invalid in-source config",
		files:  map[string]string{"fns/badisc.mjs": "export default async () => new Response('x')\nexport const config = { path: 42 }\n"},
		code:   1,
		stderr: []string{`function "badisc" (js): SITE/fns/badisc.mjs: Function badisc has a configuration error on 'path': Must be a string or array of strings`},
		absent: []string{"badisc.zip"}},
	{name: "broken symlink",
		files:  map[string]string{"fns/broken/index.js": okJS},
		setup:  func(t *testing.T, site string) { symlink(t, "nowhere.js", filepath.Join(site, "fns/broken/gone.js")) },
		code:   1,
		stderr: []string{`function "broken" (js, zisi): follow symlink "SITE/fns/broken/gone.js"`, "no such file or directory; remove it or point it at an existing file"},
		absent: []string{"broken.zip"}},
	{name: "symlink loop",
		files: map[string]string{"fns/loop/index.js": okJS},
		setup: func(t *testing.T, site string) {
			symlink(t, "b.js", filepath.Join(site, "fns/loop/a.js"))
			symlink(t, "a.js", filepath.Join(site, "fns/loop/b.js"))
		},
		code:   1,
		stderr: []string{`function "loop" (js, zisi): follow symlink "SITE/fns/loop/a.js"`, "too many levels of symbolic links"},
		absent: []string{"loop.zip"}},
	{name: "symlink pointing outside the site",
		files: map[string]string{"fns/escape/escape.js": "require('./link')\n" + okJS, "outside/secret.js": "module.exports = 'kept'\n"},
		setup: func(t *testing.T, site string) {
			symlink(t, "../../outside/secret.js", filepath.Join(site, "fns/escape/link.js"))
		},
		code:  0,
		built: []string{"ok.zip", "escape.zip"},
		check: func(t *testing.T, site, out string) {
			// The target is shipped too (the tracer follows real paths)
			// and the link stays a link between entries: every name is
			// relative without "..", every link lands on an entry.
			entries := zipEntries(t, filepath.Join(out, "escape.zip"))
			names := entryNames(entries)
			if !slices.Contains(names, "outside/secret.js") {
				t.Errorf("entries %v lack the link's target", names)
			}
			for _, f := range entries {
				if path.IsAbs(f.Name) || slices.Contains(strings.Split(f.Name, "/"), "..") {
					t.Errorf("entry %q escapes the archive root", f.Name)
				}
				if f.Mode()&os.ModeSymlink != 0 {
					target := path.Join(path.Dir(f.Name), readEntry(t, f))
					if strings.HasPrefix(target, "../") || !slices.Contains(names, target) {
						t.Errorf("link %s points at %q, not at an entry", f.Name, target)
					}
				}
			}
		}},
	{name: "unreadable file",
		files: map[string]string{"fns/sock/index.js": okJS},
		setup: func(t *testing.T, site string) {
			l, err := net.Listen("unix", filepath.Join(site, "fns/sock/data.sock"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { l.Close() })
		},
		code:   1,
		stderr: []string{`function "sock" (js, zisi): archive "SITE/fns/sock/data.sock": not a regular file`, `leave it out with a "!" pattern in included_files`},
		absent: []string{"sock.zip"}},
	{name: "destination is a file",
		files:  map[string]string{"dest-file": "not a folder"},
		args:   []string{"SITE/fns", "SITE/dest-file"},
		code:   1,
		stderr: []string{`destination "SITE/dest-file" is a file, not a folder; choose another destination or remove it`},
		check: func(t *testing.T, site, out string) {
			if data, _ := os.ReadFile(filepath.Join(site, "dest-file")); string(data) != "not a folder" {
				t.Errorf("the file became %q", data)
			}
		}},
	{name: "destination not writable",
		args:   []string{"SITE/fns", "/proc/zisi-out"},
		code:   1,
		stderr: []string{`create destination "/proc/zisi-out"`, "choose a destination you can write to"}},
	{name: "destination inside a source folder",
		args:   []string{"SITE/fns", "SITE/fns/out"},
		code:   1,
		stderr: []string{`destination "SITE/fns/out" is inside source folder "SITE/fns"; choose a destination outside it`},
		check: func(t *testing.T, site, out string) {
			if _, err := os.Stat(filepath.Join(site, "fns/out")); err == nil {
				t.Error("the destination was created")
			}
		}},
	{name: "duplicate names across folders",
		files:  map[string]string{"more/ok.js": "exports.handler = async () => ({ statusCode: 201 })\n"},
		args:   []string{"SITE/fns", "SITE/more", "OUT"},
		code:   0,
		stderr: []string{`function "ok": SITE/fns/ok.js: not built: "SITE/more/ok.js" from a later source folder has the same name and wins`},
		built:  []string{"ok.zip"}},
	{name: "reserved name",
		files:  map[string]string{"fns/___netlify-entry-point.js": okJS},
		code:   1,
		stderr: []string{`"___netlify-entry-point" is a reserved word and cannot be used as a function name`},
		absent: []string{"___netlify-entry-point.zip"}},
	{name: "unicode and spaces in names and paths",
		files: map[string]string{"fns/ünï côde/index.js": okJS, "fns/spaced name.js": okJS, "fns/日本/日本.js": "require('./データ.json')\n" + okJS, "fns/日本/データ.json": "{}"},
		args:  []string{"SITE/fns", "OUT/with space"},
		code:  0,
		check: func(t *testing.T, site, out string) {
			for _, name := range []string{"ünï côde.zip", "spaced name.zip", "日本.zip"} {
				if _, err := os.Stat(filepath.Join(out, "with space", name)); err != nil {
					t.Error(err)
				}
			}
			if got := entryNames(zipEntries(t, filepath.Join(out, "with space", "日本.zip"))); !slices.Equal(got, []string{"データ.json", "日本.js"}) {
				t.Errorf("entries %v", got)
			}
		}},
	{name: "included_files escaping the base directory",
		files:  map[string]string{"netlify.toml": "[functions]\nincluded_files = [\"../**\"]\n"},
		args:   []string{"--config", "SITE/netlify.toml", "SITE/fns", "OUT"},
		code:   1,
		stderr: []string{`"../**" climbs out of "SITE"; included files must live in the site`}},
	{name: "failing Go build",
		files:  map[string]string{"fns/gofail/go.mod": "module example.com/gofail\n\ngo 1.22\n", "fns/gofail/main.go": "package main\n\nfunc main() { nope() }\n"},
		code:   1,
		stderr: []string{`function "gofail" (go): go build in "SITE/fns/gofail" failed`, "./main.go:3:15: undefined: nope"},
		absent: []string{"gofail.zip"}},
	{name: "archive over the size limit",
		files:  map[string]string{"netlify.toml": "[functions.big]\nunzipped_size_limit = 1\n", "fns/big/big.js": okJS, "fns/big/blob.txt": strings.Repeat("x", 2<<20)},
		args:   []string{"--config", "SITE/netlify.toml", "SITE/fns", "OUT"},
		code:   1,
		stderr: []string{`would hold 2.0 MB unzipped, over the 1.0 MB limit; largest files: blob.txt (2.0 MB)`, "raise unzipped_size_limit in netlify.toml"},
		absent: []string{"big.zip"}},
}

func TestFaultMatrix(t *testing.T) {
	t.Parallel()
	for _, c := range faults {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			site, out := t.TempDir(), t.TempDir()
			testfs.Write(t, site, map[string]string{"fns/ok.js": okJS})
			testfs.Write(t, site, c.files)
			if c.setup != nil {
				c.setup(t, site)
			}
			testfs.Write(t, out, map[string]string{"manifest.json": "previous manifest", "old.zip": "previous archive", "ok.zip": "previous ok archive"})
			before := outputHashes(t, out)
			args := c.args
			if args == nil {
				args = []string{"SITE/fns", "OUT"}
			}
			var full []string
			for _, a := range append([]string{"build", "-q"}, args...) {
				full = append(full, strings.NewReplacer("SITE", site, "OUT", out).Replace(a))
			}
			r := run(t, full...)
			if r.code != c.code {
				t.Fatalf("exit %d, want %d\n%s", r.code, c.code, r.stderr)
			}
			for _, w := range c.stderr {
				if w = strings.ReplaceAll(w, "SITE", site); !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
			// Nothing lost: a failed build leaves the previous deploy byte
			// for byte (no archive replaced, nothing added); a successful
			// one keeps archives it does not produce.
			if data, _ := os.ReadFile(filepath.Join(out, "old.zip")); string(data) != "previous archive" {
				t.Errorf("old.zip became %q", data)
			}
			if after := outputHashes(t, out); c.code != 0 && !maps.Equal(before, after) {
				t.Errorf("a failed build changed the previous deploy:\nbefore %v\nafter  %v", before, after)
			}
			for _, name := range c.built {
				if _, err := os.Stat(filepath.Join(out, name)); err != nil {
					t.Errorf("not built: %v", err)
				}
				if c.code != 0 {
					t.Errorf("case lists %s as built, but a failed build publishes nothing", name)
				}
			}
			for _, name := range c.absent {
				if _, err := os.Stat(filepath.Join(out, name)); !os.IsNotExist(err) {
					t.Errorf("%s exists (%v)", name, err)
				}
			}
			// No half-written file anywhere in the destination.
			filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
				if err == nil && strings.Contains(d.Name(), ".tmp-") {
					t.Errorf("temporary file left: %s", p)
				}
				return nil
			})
			if c.check != nil {
				c.check(t, site, out)
			}
		})
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

func zipEntries(t *testing.T, path string) []*zip.File {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { zr.Close() })
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, rc); err != nil {
			t.Errorf("%s: %v", f.Name, err)
		}
		rc.Close()
	}
	return zr.File
}

func entryNames(fs []*zip.File) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Name)
	}
	return out
}

func readEntry(t *testing.T, f *zip.File) string {
	t.Helper()
	rc, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// stressSite writes n functions of four kinds (CommonJS file, directory
// with a helper, ESM through esbuild, TypeScript) over a shared local
// package tree.
func stressSite(t *testing.T, n int) string {
	t.Helper()
	site := t.TempDir()
	files := map[string]string{
		"package.json":                    `{"dependencies":{"alpha":"1.0.0","beta":"1.0.0"}}`,
		"node_modules/alpha/package.json": `{"name":"alpha","version":"1.0.0","main":"lib/index.js","dependencies":{"gamma":"1.0.0"}}`,
		"node_modules/alpha/lib/index.js": "module.exports = require('gamma') + 1\n",
		"node_modules/beta/package.json":  `{"name":"beta","version":"1.0.0","exports":{".":{"import":"./esm.mjs","require":"./cjs.js"}}}`,
		"node_modules/beta/esm.mjs":       "export default 'beta'\n",
		"node_modules/beta/cjs.js":        "module.exports = 'beta'\n",
		"node_modules/gamma/package.json": `{"name":"gamma","version":"1.0.0"}`,
		"node_modules/gamma/index.js":     "module.exports = 41\n",
	}
	for i := range n {
		switch i % 4 {
		case 0:
			files[fmt.Sprintf("fns/f%03d.js", i)] = fmt.Sprintf("const a = require('alpha')\nexports.handler = async () => ({ statusCode: 200, body: String(a + %d) })\n", i)
		case 1:
			files[fmt.Sprintf("fns/d%03d/index.js", i)] = "const h = require('./helper')\nexports.handler = async () => ({ statusCode: 200, body: h() })\n"
			files[fmt.Sprintf("fns/d%03d/helper.js", i)] = fmt.Sprintf("module.exports = () => require('beta') + %d\n", i)
		case 2:
			files[fmt.Sprintf("fns/m%03d.mjs", i)] = fmt.Sprintf("import b from 'beta'\nexport const handler = async () => ({ statusCode: 200, body: b + %d })\n", i)
		case 3:
			files[fmt.Sprintf("fns/t%03d.ts", i)] = fmt.Sprintf("import a from 'alpha'\nconst n: number = %d\nexport const handler = async () => ({ statusCode: 200, body: String(a + n) })\n", i)
		}
	}
	testfs.Write(t, site, files)
	return site
}

// outputHashes hashes every file of a build's output; the manifest is
// hashed without its timestamp and with the output folder's path
// replaced, the two things meant to differ.
func outputHashes(t *testing.T, out string) map[string]string {
	t.Helper()
	hashes := map[string]string{}
	filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if d.Name() == "manifest.json" {
			data = regexp.MustCompile(`"timestamp":\d+`).ReplaceAll(data, nil)
			data = []byte(strings.ReplaceAll(string(data), out, "OUT"))
		}
		rel, _ := filepath.Rel(out, p)
		hashes[rel] = fmt.Sprintf("%x", sha256.Sum256(data))
		return nil
	})
	return hashes
}

// 200 functions built with 16 at once, twice: the same files, byte for
// byte (run under -race by make test).
func TestStressParallelBuildsAreIdentical(t *testing.T) {
	t.Parallel()
	site := stressSite(t, 200)
	var runs []map[string]string
	for range 2 {
		out := t.TempDir()
		r := run(t, "build", "-q", "--parallel", "16", filepath.Join(site, "fns"), out)
		if r.code != 0 {
			t.Fatalf("exit %d\n%s", r.code, r.stderr)
		}
		runs = append(runs, outputHashes(t, out))
	}
	if len(runs[0]) != 201 {
		t.Fatalf("%d files, want 200 archives and the manifest", len(runs[0]))
	}
	for name, h := range runs[0] {
		if runs[1][name] != h {
			t.Errorf("%s differs between the two builds", name)
		}
	}
}
