package main

import (
	"net"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zisi-build/zisi/internal/testfs"
)

// The fault matrix, part one: bad sources, bad configuration, routes out
// of the site, special files, names, sizes and included_files. The runner
// and the assertions every case shares are in faults_test.go.

func sourceFaults() []fault {
	return []fault{
		{name: "js syntax error in a main file",
			files:  map[string]string{"site/fns/syn.js": "exports.handler = async () => {\n  return {{;\n}\n"},
			code:   1,
			stderr: []string{`function "syn" (js, zisi): syntax error: SITE/fns/syn.js:2:11: Expected identifier`},
			absent: []string{"syn.zip"}},
		{name: "js syntax error in an imported file",
			files:  map[string]string{"site/fns/imp/index.js": "require('./h')\n" + okJS, "site/fns/imp/h.js": "module.exports = {{;\n"},
			code:   0,
			stderr: []string{`warning: function "imp": SITE/fns/imp/h.js:1:19: syntax error, so this file's imports were not followed: Expected identifier`},
			built:  []string{"imp.zip", "ok.zip"},
			check: func(t *testing.T, e *faultEnv, r runResult) {
				if names := entryNames(zipEntries(t, filepath.Join(e.out, "imp.zip"))); !slices.Contains(names, "h.js") {
					t.Errorf("imp.zip lacks the file with the syntax error: %q", names)
				}
			}},
		{name: "typescript syntax error",
			files:  map[string]string{"site/fns/synts.ts": "const x: number = ;\nexport const handler = async () => ({ statusCode: x })\n"},
			code:   1,
			stderr: []string{`function "synts" (js, esbuild): build failed with 1 error(s):`, `SITE/fns/synts.ts:1:19: Unexpected ";"`},
			absent: []string{"synts.zip"}},
		{name: "esm syntax error",
			files:  map[string]string{"site/fns/synesm.mjs": "export const handler = async () => {\n  return (;\n}\n"},
			code:   1,
			stderr: []string{`function "synesm" (js, esbuild): build failed with 1 error(s):`, `SITE/fns/synesm.mjs:2:11: Unexpected ";"`},
			absent: []string{"synesm.zip"}},
		{name: "missing module not in package.json",
			files:  map[string]string{"site/package.json": `{"name":"site"}`, "site/fns/missing.js": "require('not-installed')\n" + okJS},
			code:   1,
			stderr: []string{`function "missing" (js, zisi): cannot find module "not-installed" imported by SITE/fns/missing.js:1; add it to dependencies in SITE/package.json and run npm install`},
			absent: []string{"missing.zip"}},
		// Listed but not installed: installing is the fix, not adding it.
		{name: "missing module listed in package.json",
			files:  map[string]string{"site/package.json": `{"name":"site","dependencies":{"not-installed":"1.0.0"}}`, "site/fns/listed.js": "const x = 1\nrequire('not-installed')\n" + okJS},
			code:   1,
			stderr: []string{`function "listed" (js, zisi): cannot find module "not-installed" imported by SITE/fns/listed.js:2; SITE/package.json lists it but it is not installed; run npm install (or your package manager's install) in SITE`},
			absent: []string{"listed.zip"}},
		{name: "missing module without a package.json",
			files:  map[string]string{"site/fns/nopkg.js": "require('not-installed')\n" + okJS},
			code:   1,
			stderr: []string{`function "nopkg" (js, zisi): cannot find module "not-installed" imported by SITE/fns/nopkg.js:1`, "run npm install"},
			absent: []string{"nopkg.zip"}},
		{name: "missing relative file",
			files:  map[string]string{"site/fns/rel.js": "require('./nope')\n" + okJS},
			code:   1,
			stderr: []string{`function "rel" (js, zisi): cannot find module "./nope" imported by SITE/fns/rel.js:1; check the path, or list the file in included_files`},
			absent: []string{"rel.zip"}},
		{name: "missing module through esbuild",
			files:  map[string]string{"site/netlify.toml": "[functions]\nnode_bundler = \"esbuild\"\n", "site/fns/esm.mjs": "import x from 'not-installed'\nexport const handler = x\n"},
			args:   []string{"-q", "--config", "SITE/netlify.toml", "SITE/fns", "OUT"},
			code:   1,
			stderr: []string{`function "esm" (js, esbuild_zisi): build failed with 1 error(s):`, `SITE/fns/esm.mjs:1:15: Could not resolve "not-installed"`},
			absent: []string{"esm.zip"}},
		{name: "invalid package.json of a function",
			files:  map[string]string{"site/fns/badpkg/badpkg.js": okJS, "site/fns/badpkg/package.json": "{\"name\": \"x\",\n  \"dependencies\": {,}\n}"},
			code:   1,
			stderr: []string{`function "badpkg" (js, zisi): invalid package.json: SITE/fns/badpkg/package.json:2:20 is invalid JSON`, "fix it"},
			absent: []string{"badpkg.zip"}},
		{name: "invalid package.json of the site",
			files:  map[string]string{"site/package.json": "{\"name\": \"site\",\n \"dependencies\": [}"},
			code:   1,
			stderr: []string{`function "ok" (js, zisi): invalid package.json: SITE/package.json:2:19 is invalid JSON`, "1 of 1 functions failed"}},
		{name: "failing Go build",
			files:  map[string]string{"site/fns/gofail/go.mod": "module example.com/gofail\n\ngo 1.22\n", "site/fns/gofail/main.go": "package main\n\nfunc main() { nope() }\n"},
			code:   1,
			stderr: []string{`function "gofail" (go): go build in "SITE/fns/gofail" failed`, "./main.go:3:15: undefined: nope"},
			absent: []string{"gofail.zip"}},
	}
}

// tomlFault is a netlify.toml that fails to load: nothing is built.
func tomlFault(name, toml, want string) fault {
	return fault{name: name,
		files:  map[string]string{"site/netlify.toml": toml},
		args:   []string{"-q", "--config", "SITE/netlify.toml", "SITE/fns", "OUT"},
		code:   1,
		stderr: []string{"zisi: SITE/netlify.toml:" + want}}
}

func configFaults() []fault {
	return []fault{
		tomlFault("netlify.toml syntax error", "[functions]\nnode_bundler = \"zisi\"\ntimeout = = 3\n", "3:"),
		tomlFault("unknown node_bundler", "[functions]\nnode_bundler = \"webpack\"\n", `2:1: functions.node_bundler: "webpack" is not one of zisi, esbuild, nft, none`),
		tomlFault("timeout not a number", "[functions]\ntimeout = \"x\"\n", `2:1: functions.timeout: must be a positive whole number of seconds, got "x"`),
		tomlFault("timeout zero", "[functions]\ntimeout = 0\n", `2:1: functions.timeout: must be a positive whole number of seconds, got 0`),
		tomlFault("vcpu out of range", "[functions]\nvcpu = 3\n", `2:1: functions.vcpu: must be a number between 0.5 and 2, got 3`),
		tomlFault("vcpu NaN", "[functions]\nvcpu = nan\n", `2:1: functions.vcpu: must be a number between 0.5 and 2, got NaN`),
		tomlFault("memory not a size", "[functions]\nmemory = \"lots\"\n", `2:1: functions.memory: must be a number of MB or a size such as "2gb", got "lots"`),
		tomlFault("schedule not a cron expression", "[functions]\nschedule = \"every day\"\n", `2:1: functions.schedule: "every day" is not a cron expression: it has 2 fields, want 5`),
		tomlFault("schedule out of range in a function's section", "[functions]\n[functions.ok]\nschedule = \"61 * * * *\"\n", `3:1: functions.ok.schedule: "61 * * * *" is not a cron expression: minute field "61"`),
		tomlFault("node_version not a version", "[functions]\nnode_version = \"banana\"\n", `2:1: functions.node_version: "banana" is not a Node.js version`),
		tomlFault("go_arch unknown", "[functions]\ngo_arch = \"mips\"\n", `2:1: functions.go_arch: "mips" is not one of amd64, arm64`),
		tomlFault("included_files not an array", "[functions]\nincluded_files = \"x\"\n", `2:1: functions.included_files: must be an array of strings, got a string`),
		tomlFault("negative size limit", "[functions]\nunzipped_size_limit = -5\n", `2:1: functions.unzipped_size_limit: must be a number of MB or a size such as "2gb", got -5`),
		{name: "unknown netlify.toml key",
			files:  map[string]string{"site/netlify.toml": "[functions]\nbogus_key = 1\n"},
			args:   []string{"-q", "--config", "SITE/netlify.toml", "SITE/fns", "OUT"},
			code:   0,
			stderr: []string{"warning: SITE/netlify.toml:2: functions.bogus_key: unknown key, ignored"},
			built:  []string{"ok.zip"}},
		{name: "in-source config: bad path",
			files:  map[string]string{"site/fns/badisc.mjs": "export default async () => new Response('x')\nexport const config = { path: 42 }\n"},
			code:   1,
			stderr: []string{`function "badisc" (js): SITE/fns/badisc.mjs: Function badisc has a configuration error on 'path': Must be a string or array of strings`},
			absent: []string{"badisc.zip"}},
		{name: "in-source config: bad schedule",
			files:  map[string]string{"site/fns/iscsched.mjs": "export default async () => new Response('x')\nexport const config = { schedule: '99 * * * *' }\n"},
			code:   1,
			stderr: []string{`function "iscsched" (js): SITE/fns/iscsched.mjs: Function iscsched has a configuration error on 'schedule': "99 * * * *" is not a cron expression: minute field "99"`},
			absent: []string{"iscsched.zip"}},
		{name: "in-source config: rateLimit count that wraps",
			files:  map[string]string{"site/fns/rate.mjs": "export default async () => new Response('x')\nexport const config = { path: '/r', rateLimit: { windowLimit: 1e12, windowSize: 60 } }\n"},
			code:   1,
			stderr: []string{`function "rate" (js): SITE/fns/rate.mjs: Function rate has a configuration error on 'rateLimit.windowLimit': must be a whole number from 1 to 2147483647, got 1e+12`},
			absent: []string{"rate.zip"}},
		{name: "v1 schedule() not a cron expression",
			files:  map[string]string{"site/fns/v1sched.js": "const { schedule } = require('@netlify/functions')\nexports.handler = schedule('every day', async () => ({ statusCode: 200 }))\n"},
			code:   1,
			stderr: []string{`function "v1sched" (js): SITE/fns/v1sched.js: schedule(): "every day" is not a cron expression`},
			absent: []string{"v1sched.zip"}},
	}
}

// outsideRoot is the message every route out of the site ends in.
const outsideRoot = "outside the repository root; nothing outside it ships (it could hold the build machine's secrets)"

func containmentFaults() []fault {
	return []fault{
		{name: "broken symlink",
			files:  map[string]string{"site/fns/broken/index.js": okJS},
			setup:  func(t *testing.T, e *faultEnv) { symlink(t, "nowhere.js", filepath.Join(e.site, "fns/broken/gone.js")) },
			code:   1,
			stderr: []string{`function "broken" (js, zisi): follow symlink "SITE/fns/broken/gone.js"`, "no such file or directory; remove it or point it at an existing file"},
			absent: []string{"broken.zip"}},
		{name: "symlink loop",
			files: map[string]string{"site/fns/loop/index.js": okJS},
			setup: func(t *testing.T, e *faultEnv) {
				symlink(t, "b.js", filepath.Join(e.site, "fns/loop/a.js"))
				symlink(t, "a.js", filepath.Join(e.site, "fns/loop/b.js"))
			},
			code:   1,
			stderr: []string{`function "loop" (js, zisi): follow symlink "SITE/fns/loop/a.js"`, "too many levels of symbolic links"},
			absent: []string{"loop.zip"}},
		{name: "symlink to a file elsewhere in the site",
			files: map[string]string{"site/fns/escape/escape.js": "require('./link')\n" + okJS, "site/shared/helper.js": "module.exports = 'kept'\n"},
			setup: func(t *testing.T, e *faultEnv) {
				symlink(t, "../../shared/helper.js", filepath.Join(e.site, "fns/escape/link.js"))
			},
			code:  0,
			built: []string{"ok.zip", "escape.zip"},
			check: func(t *testing.T, e *faultEnv, r runResult) {
				// The target ships too (the tracer follows real paths) and
				// the link stays a link between entries: every name is
				// relative without "..", every link lands on an entry.
				entries := zipEntries(t, filepath.Join(e.out, "escape.zip"))
				names := entryNames(entries)
				if !slices.Contains(names, "shared/helper.js") {
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
		{name: "symlink to a file outside the site",
			files: map[string]string{"site/fns/linkfile/index.js": "require('./s')\n" + okJS},
			setup: func(t *testing.T, e *faultEnv) {
				symlink(t, filepath.Join(e.outside, "secret.js"), filepath.Join(e.site, "fns/linkfile/s.js"))
			},
			code:   1,
			stderr: []string{`function "linkfile" (js, zisi): file outside the repository root: the function would ship "ROOT/outside/secret.js" (imported as "./s" by SITE/fns/linkfile/index.js:1) ` + outsideRoot, "--allow-outside"},
			absent: []string{"linkfile.zip"}},
		{name: "symlink to a file outside the site, as a function of its own, names the link",
			files: map[string]string{"site/fns/linkfile/index.js": okJS},
			setup: func(t *testing.T, e *faultEnv) {
				symlink(t, filepath.Join(e.outside, "secret.js"), filepath.Join(e.site, "fns/s.js"))
			},
			code:   1,
			stderr: []string{`function "s" (js, zisi): file outside the repository root: the function would ship "SITE/fns/s.js", a symbolic link to "ROOT/outside/secret.js"`}},
		{name: "symlink to a folder outside the site",
			files: map[string]string{"site/fns/linkdir/index.js": okJS},
			setup: func(t *testing.T, e *faultEnv) {
				symlink(t, filepath.Join(e.outside, "dir"), filepath.Join(e.site, "fns/linkdir/home"))
			},
			code:   1,
			stderr: []string{`function "linkdir" (js, zisi): file outside the repository root: the function would ship "SITE/fns/linkdir/home/notes.txt", a symbolic link to "ROOT/outside/dir/notes.txt", ` + outsideRoot},
			absent: []string{"linkdir.zip"}},
		{name: "symlink to /proc/self/environ",
			files: map[string]string{"site/fns/environ/index.js": okJS},
			setup: func(t *testing.T, e *faultEnv) {
				symlink(t, "/proc/self/environ", filepath.Join(e.site, "fns/environ/env.txt"))
			},
			code:   1,
			stderr: []string{`function "environ" (js, zisi): file outside the repository root: the function would ship "SITE/fns/environ/env.txt", a symbolic link to "/proc/`, outsideRoot},
			absent: []string{"environ.zip"}},
		{name: "included_files through a symlink to a folder outside the site",
			files: map[string]string{"site/netlify.toml": "[functions]\nincluded_files = [\"data/**\"]\n"},
			setup: func(t *testing.T, e *faultEnv) {
				symlink(t, filepath.Join(e.outside, "dir"), filepath.Join(e.site, "data"))
			},
			args:   []string{"-q", "--config", "SITE/netlify.toml", "SITE/fns", "OUT"},
			code:   1,
			stderr: []string{`function "ok" (js, zisi): file outside the repository root: "SITE/data/notes.txt" leads to "ROOT/outside/dir/notes.txt" through a symbolic link; nothing outside the repository root ships`}},
		{name: "absolute require of a file outside the site",
			files:  map[string]string{"site/fns/absolute.js": "require('ROOT/outside/secret.js')\n" + okJS},
			setup:  expandFile("site/fns/absolute.js"),
			code:   1,
			stderr: []string{`function "absolute" (js, zisi): file outside the repository root: the function would ship "ROOT/outside/secret.js" (imported as "ROOT/outside/secret.js" by SITE/fns/absolute.js:1) ` + outsideRoot},
			absent: []string{"absolute.zip"}},
		{name: "linked package outside the site",
			files: map[string]string{"site/package.json": `{"name":"site","dependencies":{"lib":"1.0.0"}}`, "site/fns/npmlink.js": "require('lib')\n" + okJS},
			setup: func(t *testing.T, e *faultEnv) {
				symlink(t, filepath.Join(e.outside, "lib"), filepath.Join(e.site, "node_modules/lib"))
			},
			code:   1,
			stderr: []string{`function "npmlink" (js, zisi): file outside the repository root: the function would ship "ROOT/outside/lib/index.js" (imported as "lib" by SITE/fns/npmlink.js:1) ` + outsideRoot},
			absent: []string{"npmlink.zip"}},
		{name: "tsconfig paths alias outside the site",
			files: map[string]string{
				"site/tsconfig.json":  `{"compilerOptions":{"baseUrl":".","paths":{"@leak/*":["../outside/ts/*"]}}}`,
				"site/fns/tsalias.ts": "import { leak } from '@leak/leak'\nexport const handler = async () => ({ statusCode: 200, body: leak })\n",
			},
			code:   1,
			stderr: []string{`function "tsalias" (js, esbuild): file outside the repository root: the function would ship "ROOT/outside/ts/leak.ts" ` + outsideRoot},
			absent: []string{"tsalias.zip"}},
		{name: "--allow-outside lets that folder ship",
			files: map[string]string{
				"allowed/lib/package.json": `{"name":"lib","version":"1.0.0"}`, "allowed/lib/index.js": "module.exports = 'lib'\n",
				"site/package.json": `{"name":"site","dependencies":{"lib":"1.0.0"}}`, "site/fns/uses.js": "require('lib')\n" + okJS,
			},
			setup: func(t *testing.T, e *faultEnv) {
				symlink(t, filepath.Join(e.root, "allowed/lib"), filepath.Join(e.site, "node_modules/lib"))
			},
			args:  []string{"-q", "--allow-outside", "ROOT/allowed", "SITE/fns", "OUT"},
			code:  0,
			built: []string{"uses.zip", "ok.zip"},
			check: func(t *testing.T, e *faultEnv, r runResult) {
				// Entries are rooted at the folder holding the site and the
				// allowed folder; the package's link stays a link inside.
				if names := entryNames(zipEntries(t, filepath.Join(e.out, "uses.zip"))); !slices.Contains(names, "allowed/lib/index.js") || !slices.Contains(names, "site/node_modules/lib") {
					t.Errorf("uses.zip lacks the allowed package: %q", names)
				}
			}},
		{name: "--allow-outside does not allow another folder",
			files: map[string]string{"allowed/x.txt": "x", "site/fns/linkfile/index.js": "require('./s')\n" + okJS},
			setup: func(t *testing.T, e *faultEnv) {
				symlink(t, filepath.Join(e.outside, "secret.js"), filepath.Join(e.site, "fns/linkfile/s.js"))
			},
			args:   []string{"-q", "--allow-outside", "ROOT/allowed", "SITE/fns", "OUT"},
			code:   1,
			stderr: []string{`function "linkfile" (js, zisi): file outside the repository root: the function would ship "ROOT/outside/secret.js"`},
			absent: []string{"linkfile.zip"}},
		{name: "included_files climbing out of the site",
			files:  map[string]string{"site/netlify.toml": "[functions]\nincluded_files = [\"../**\"]\n"},
			args:   []string{"-q", "--config", "SITE/netlify.toml", "SITE/fns", "OUT"},
			code:   1,
			stderr: []string{`function "ok" (js, zisi): included_files pattern leaves the base directory: "../**" climbs out of "SITE"; included files must live in the site`}},
		{name: "included_files with an absolute path outside the site",
			files:  map[string]string{"site/netlify.toml": "[functions]\nincluded_files = [\"/etc/**\"]\n"},
			args:   []string{"-q", "--config", "SITE/netlify.toml", "SITE/fns", "OUT"},
			code:   1,
			stderr: []string{`"/etc/**" climbs out of "SITE"; included files must live in the site`}},
		{name: "in-source includedFiles climbing out of the site",
			files:  map[string]string{"site/fns/incsrc.mjs": "export default async () => new Response('x')\nexport const config = { path: '/i', includedFiles: ['../../outside/*'] }\n"},
			code:   1,
			stderr: []string{`function "incsrc" (js, nft): included_files pattern leaves the base directory: "../../outside/*" climbs out of "`, "included files must live in the site"},
			absent: []string{"incsrc.zip"}},
		{name: "in-source includedFiles elsewhere in the site",
			files: map[string]string{"site/netlify.toml": "", "site/shared/a.txt": "a",
				"site/fns/incsite.mjs": "export default async () => new Response('x')\nexport const config = { path: '/i', includedFiles: ['../shared/*'] }\n"},
			args:  []string{"-q", "--config", "SITE/netlify.toml", "SITE/fns", "OUT"},
			code:  0,
			built: []string{"incsite.zip", "ok.zip"},
			check: func(t *testing.T, e *faultEnv, r runResult) {
				if names := entryNames(zipEntries(t, filepath.Join(e.out, "incsite.zip"))); !slices.Contains(names, "shared/a.txt") {
					t.Errorf("incsite.zip lacks shared/a.txt: %q", names)
				}
			}},
		{name: "in-source includedFiles elsewhere in the site without netlify.toml",
			files: map[string]string{"site/package.json": "{}", "site/shared/a.txt": "a",
				"site/fns/incsite.mjs": "export default async () => new Response('x')\nexport const config = { path: '/i', includedFiles: ['../shared/*'] }\n"},
			code:  0,
			built: []string{"incsite.zip", "ok.zip"}},
	}
}

// expandFile replaces ROOT in a file the case wrote (for absolute paths
// in sources).
func expandFile(rel string) func(t *testing.T, e *faultEnv) {
	return func(t *testing.T, e *faultEnv) {
		p := filepath.Join(e.root, rel)
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(e.expand(string(data))), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func mkfifo(t *testing.T, p string) {
	t.Helper()
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Fatal(err)
	}
}

// braces is n sets of two alternatives, 2^n patterns.
func braces(n int) string { return strings.Repeat("{a,b}", n) }

func fileFaults() []fault {
	return []fault{
		{name: "FIFO as a main file",
			setup:   func(t *testing.T, e *faultEnv) { mkfifo(t, filepath.Join(e.site, "fns/pipe.js")) },
			timeout: 30 * time.Second,
			code:    1,
			stderr:  []string{`function "pipe" (js): SITE/fns/pipe.js: read "SITE/fns/pipe.js": not a regular file (p---------); a function's main file must be one`},
			absent:  []string{"pipe.zip"}},
		{name: "FIFO in a directory function",
			files:   map[string]string{"site/fns/fifodir/index.js": okJS},
			setup:   func(t *testing.T, e *faultEnv) { mkfifo(t, filepath.Join(e.site, "fns/fifodir/data.pipe")) },
			timeout: 30 * time.Second,
			code:    1,
			stderr:  []string{`function "fifodir" (js, zisi): archive "SITE/fns/fifodir/data.pipe": not a regular file (p---------); remove it, or leave it out with a "!" pattern in included_files`},
			absent:  []string{"fifodir.zip"}},
		{name: "FIFO named by included_files",
			files:   map[string]string{"site/netlify.toml": "[functions]\nincluded_files = [\"pipe.dat\"]\n"},
			setup:   func(t *testing.T, e *faultEnv) { mkfifo(t, filepath.Join(e.site, "pipe.dat")) },
			args:    []string{"-q", "--config", "SITE/netlify.toml", "SITE/fns", "OUT"},
			timeout: 30 * time.Second,
			code:    1,
			stderr:  []string{`function "ok" (js, zisi): archive "SITE/pipe.dat": not a regular file (p---------); remove it, or leave it out with a "!" pattern in included_files`}},
		{name: "socket in a directory function",
			files: map[string]string{"site/fns/sock/index.js": okJS},
			setup: func(t *testing.T, e *faultEnv) {
				l, err := net.Listen("unix", filepath.Join(e.site, "fns/sock/data.sock"))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { l.Close() })
			},
			code:   1,
			stderr: []string{`function "sock" (js, zisi): archive "SITE/fns/sock/data.sock": not a regular file`, `leave it out with a "!" pattern in included_files`},
			absent: []string{"sock.zip"}},
		{name: "reserved name",
			files:  map[string]string{"site/fns/___netlify-entry-point.js": okJS},
			code:   1,
			stderr: []string{`"___netlify-entry-point" is a reserved word and cannot be used as a function name`},
			absent: []string{"___netlify-entry-point.zip"}},
		{name: "output name collision",
			files:  map[string]string{"site/fns/my.func.js": okJS, "site/fns/my.func/index.js": okJS},
			code:   1,
			stderr: []string{`output name collision: "SITE/fns/my.func.js", "SITE/fns/my.func" all write "my.func.zip"; rename one of them`, "2 of 3 functions failed"},
			absent: []string{"my.func.zip"}},
		{name: "the same name in two source folders",
			files:  map[string]string{"site/more/ok.js": "exports.handler = async () => ({ statusCode: 201 })\n"},
			args:   []string{"-q", "SITE/fns", "SITE/more", "OUT"},
			code:   0,
			stderr: []string{`function "ok": SITE/fns/ok.js: not built: "SITE/more/ok.js" from a later source folder has the same name and wins`},
			built:  []string{"ok.zip"},
			check: func(t *testing.T, e *faultEnv, r runResult) {
				if got := string(testfs.ZipEntry(t, filepath.Join(e.out, "ok.zip"), "ok.js")); !strings.Contains(got, "201") {
					t.Errorf("ok.zip holds %q, not the later folder's function", got)
				}
			}},
		{name: "unicode and spaces in names and paths",
			files: map[string]string{"site/fns/ünï côde/index.js": okJS, "site/fns/spaced name.js": okJS, "site/fns/日本/日本.js": "require('./データ.json')\n" + okJS, "site/fns/日本/データ.json": "{}"},
			args:  []string{"-q", "SITE/fns", "OUT/with space"},
			dest:  "OUT/with space",
			code:  0,
			built: []string{"with space/ünï côde.zip", "with space/spaced name.zip", "with space/日本.zip"},
			check: func(t *testing.T, e *faultEnv, r runResult) {
				if got := entryNames(zipEntries(t, filepath.Join(e.out, "with space", "日本.zip"))); !slices.Equal(got, []string{"データ.json", "日本.js"}) {
					t.Errorf("entries %v", got)
				}
			}},
		{name: "main file name that is not UTF-8",
			setup:  func(t *testing.T, e *faultEnv) { writeFile(t, filepath.Join(e.site, "fns", "b\xffd.js"), okJS) },
			code:   1,
			stderr: []string{`function "b\xffd" (js): "SITE/fns/b\xffd.js" is not valid UTF-8, so the manifest (JSON) cannot name it; rename it`},
			absent: []string{"b\xffd.zip"}},
		{name: "file name that is not UTF-8 in a directory function",
			files:  map[string]string{"site/fns/utf/index.js": okJS},
			setup:  func(t *testing.T, e *faultEnv) { writeFile(t, filepath.Join(e.site, "fns", "utf", "b\xffd.txt"), "x") },
			code:   1,
			stderr: []string{`function "utf" (js, zisi): invalid archive entry name "b\xffd.txt": is not valid UTF-8, which zip names (flagged UTF-8) and the manifest need; rename the file (the file "SITE/fns/utf/b\xffd.txt")`},
			absent: []string{"utf.zip"}},
		{name: "archive over the unzipped size limit",
			files:  map[string]string{"site/netlify.toml": "[functions.big]\nunzipped_size_limit = 1\n", "site/fns/big/big.js": okJS, "site/fns/big/blob.txt": strings.Repeat("x", 2<<20)},
			args:   []string{"-q", "--config", "SITE/netlify.toml", "SITE/fns", "OUT"},
			code:   1,
			stderr: []string{`function "big" (js, zisi): archive "OUT/big.zip" would hold 2.0 MiB unzipped, over the 1.0 MiB limit; largest files: blob.txt (2.0 MiB)`, "raise unzipped_size_limit in netlify.toml"},
			absent: []string{"big.zip"}},
		{name: "size limit message names the archive's place",
			files:  map[string]string{"site/netlify.toml": "[functions.big]\nunzipped_size_limit = 1\n", "site/fns/big/big.js": okJS, "site/fns/big/blob.txt": strings.Repeat("x", 2<<20)},
			args:   []string{"-q", "--config", "SITE/netlify.toml", "SITE/fns", "OUT"},
			code:   1,
			stderr: []string{`archive "OUT/big.zip" would hold 2.0 MiB unzipped`}},
		{name: "archive over the zipped size limit",
			files:  map[string]string{"site/netlify.toml": "[functions.big]\nzip_size_limit = 1\n", "site/fns/big/big.js": okJS, "site/fns/big/noise.bin": noise(2 << 20)},
			args:   []string{"-q", "--config", "SITE/netlify.toml", "SITE/fns", "OUT"},
			code:   1,
			stderr: []string{`function "big" (js, zisi): archive "OUT/big.zip" would be 2.0 MiB zipped, over the 1.0 MiB limit; largest files: noise.bin (2.0 MiB)`, "raise zip_size_limit in netlify.toml"},
			absent: []string{"big.zip"}},
		{name: "archive near the size limit",
			files:  map[string]string{"site/netlify.toml": "[functions.big]\nunzipped_size_limit = 1\n", "site/fns/big/big.js": okJS, "site/fns/big/blob.txt": strings.Repeat("x", 900<<10)},
			args:   []string{"-q", "--config", "SITE/netlify.toml", "SITE/fns", "OUT"},
			code:   0,
			stderr: []string{`warning: function "big": `, `archive is 900.1 KiB unzipped, 88% of the 1.0 MiB limit (unzipped_size_limit); largest files: blob.txt (900.0 KiB)`},
			built:  []string{"big.zip", "ok.zip"}},
		{name: "brace bomb in included_files",
			files:  map[string]string{"site/netlify.toml": "[functions]\nincluded_files = [\"" + braces(11) + "\"]\n"},
			args:   []string{"-q", "--config", "SITE/netlify.toml", "SITE/fns", "OUT"},
			code:   1,
			stderr: []string{`function "ok" (js, zisi): included_files "` + braces(11) + `": its braces expand to more than 1024 patterns; write fewer alternatives`}},
		{name: "brace bomb in in-source includedFiles",
			files:  map[string]string{"site/fns/bomb.mjs": "export default async () => new Response('x')\nexport const config = { path: '/b', includedFiles: ['" + braces(11) + "'] }\n"},
			code:   1,
			stderr: []string{`function "bomb" (js, nft): included_files "` + braces(11) + `": its braces expand to more than 1024 patterns`},
			absent: []string{"bomb.zip"}},
		{name: "brace product in included_files",
			files:   map[string]string{"site/netlify.toml": "[functions]\nincluded_files = [\"{" + braces(13) + "}" + braces(13) + "\"]\n"},
			args:    []string{"-q", "--config", "SITE/netlify.toml", "SITE/fns", "OUT"},
			timeout: 5 * time.Second, // refusing it takes microseconds
			code:    1,
			stderr:  []string{`function "ok" (js, zisi): included_files "{` + braces(13) + "}" + braces(13) + `": its braces expand to more than 1024 patterns; write fewer alternatives`}},
	}
}

func writeFile(t *testing.T, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// noise is n bytes that do not compress.
func noise(n int) string {
	b := make([]byte, n)
	x := uint64(0x9e3779b97f4a7c15)
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = byte(x)
	}
	return string(b)
}
