package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zisi-build/zisi/bundler"
	"github.com/zisi-build/zisi/internal/testfs"
)

// hostileSecret is planted in zisi's environment and in files outside the
// site; no archive may hold it.
const hostileSecret = "ZISI-HOSTILE-SECRET-7f3a9c"

// TestHostileRepository runs the real command on a site that tries every
// route for shipping something from outside the repository: symbolic
// links to /proc/self/environ and to a file and a folder outside, an
// absolute require, a package whose main and exports point outside, a
// package linked from outside, a tsconfig paths alias into an outside
// folder, included_files reaching out. Each route fails its function (or
// ships nothing of the outside) and no byte of the secret is in any
// archive.
func TestHostileRepository(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("uses /proc/self/environ")
	}
	t.Parallel()
	root := t.TempDir()
	site, outside := filepath.Join(root, "site"), filepath.Join(root, "outside")
	testfs.Write(t, outside, map[string]string{
		"secret.js":              "module.exports = '" + hostileSecret + "'\n",
		"lib/index.js":           "module.exports = '" + hostileSecret + "'\n",
		"lib/package.json":       `{"name":"lib","version":"1.0.0"}`,
		"home/.ssh/id_rsa":       hostileSecret + "\n",
		"home/notes.txt":         hostileSecret + "\n",
		"ts/leak.ts":             "export const leak = '" + hostileSecret + "'\n",
		"pkgmain/secret-main.js": "module.exports = '" + hostileSecret + "'\n",
	})
	testfs.Write(t, site, map[string]string{
		"package.json":                     `{"name":"site","dependencies":{"lib":"1.0.0","sneaky":"1.0.0"}}`,
		"tsconfig.json":                    `{"compilerOptions":{"baseUrl":".","paths":{"@leak/*":["../outside/ts/*"]}}}`,
		"netlify.toml":                     "[functions]\ndirectory = \"fns\"\n[functions.inc]\nincluded_files = [\"../outside/**\"]\n[functions.incabs]\nincluded_files = [\"" + outside + "/**\"]\n",
		"fns/ok.js":                        okJS,
		"fns/environ/index.js":             okJS,
		"fns/linkfile/index.js":            "require('./s')\n" + okJS,
		"fns/linkdir/index.js":             okJS,
		"fns/absolute.js":                  "require('" + filepath.Join(outside, "secret.js") + "')\n" + okJS,
		"fns/npmlink.js":                   "require('lib')\n" + okJS,
		"fns/pkgmain.js":                   "import x from 'sneaky'\nexport const handler = async () => ({ statusCode: 200, body: x })\n",
		"fns/tsalias.ts":                   "import { leak } from '@leak/leak'\nexport const handler = async () => ({ statusCode: 200, body: leak })\n",
		"fns/inc.js":                       okJS,
		"fns/incabs.js":                    okJS,
		"node_modules/sneaky/package.json": `{"name":"sneaky","version":"1.0.0","main":"../../../outside/pkgmain/secret-main.js","exports":{".":"../../../outside/pkgmain/secret-main.js"}}`,
	})
	for link, target := range map[string]string{
		"fns/environ/env.txt": "/proc/self/environ",
		"fns/linkfile/s.js":   filepath.Join(outside, "secret.js"),
		"fns/linkdir/home":    filepath.Join(outside, "home"),
		"node_modules/lib":    filepath.Join(outside, "lib"),
	} {
		symlink(t, target, filepath.Join(site, link))
	}
	out := t.TempDir()
	args, _ := json.Marshal([]string{"build", "--config", filepath.Join(site, "netlify.toml"), out})
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "ZISI_TEST_MAIN_ARGS="+string(args), "DEPLOY_TOKEN="+hostileSecret)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Run()
	if code := cmd.ProcessState.ExitCode(); code != 1 {
		t.Fatalf("exit %d, want 1 (functions refused)\n%s", code, stderr.String())
	}
	for _, want := range []string{
		"8 of 10 functions failed", `function "environ"`, `function "linkfile"`, `function "linkdir"`, `function "absolute"`, `function "npmlink"`, `function "tsalias"`, `function "inc"`, `function "incabs"`,
		"outside the repository root; nothing outside it ships", `env.txt", a symbolic link to "/proc/`, `"../outside/**" climbs out of`,
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
	// Nothing was published: the destination is as it was (empty). What
	// the functions that did build would ship is checked too, each built
	// alone.
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Errorf("a failed build left %v", entries)
	}
	for _, fn := range []string{"ok.js", "pkgmain.js"} {
		one := t.TempDir()
		bundler.ZipFunction(t.Context(), filepath.Join(site, "fns", fn), one, bundler.Options{BasePath: site})
		assertNoSecret(t, one)
	}
}

// assertNoSecret fails if any file under dir, or any entry of a zip
// under it, holds the secret.
func assertNoSecret(t *testing.T, dir string) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte(hostileSecret)) {
			t.Errorf("%s holds the secret", p)
		}
		if strings.HasSuffix(p, ".zip") {
			zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				return nil
			}
			for _, f := range zr.File {
				rc, err := f.Open()
				if err != nil {
					continue
				}
				content, _ := io.ReadAll(rc)
				rc.Close()
				if bytes.Contains(content, []byte(hostileSecret)) {
					t.Errorf("%s: entry %s holds the secret", p, f.Name)
				}
			}
		}
		return nil
	})
}

// TestFIFOMainFileDoesNotHang: a FIFO named like a function fails that
// function at once instead of blocking the build for ever.
func TestFIFOMainFileDoesNotHang(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("mkfifo")
	}
	t.Parallel()
	site, out := t.TempDir(), t.TempDir()
	testfs.Write(t, site, map[string]string{"fns/ok.js": okJS})
	if err := syscall.Mkfifo(filepath.Join(site, "fns", "pipe.js"), 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan runResult, 1)
	go func() { done <- run(t, "build", filepath.Join(site, "fns"), out) }()
	select {
	case r := <-done:
		if r.code != 1 || !strings.Contains(r.stderr, `function "pipe"`) || !strings.Contains(r.stderr, "not a regular file") {
			t.Errorf("exit %d\n%s", r.code, r.stderr)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("a FIFO main file blocked the build")
	}
}

// TestAllowOutside: --allow-outside lets a linked folder outside the site
// ship (an npm link to a library being developed), and only that one.
func TestAllowOutside(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	site, lib := filepath.Join(root, "site"), filepath.Join(root, "lib")
	testfs.Write(t, lib, map[string]string{"package.json": `{"name":"lib","version":"1.0.0"}`, "index.js": "module.exports = 'lib'\n"})
	testfs.Write(t, site, map[string]string{"package.json": `{"name":"site","dependencies":{"lib":"1.0.0"}}`, "fns/uses.js": "require('lib')\n" + okJS})
	testfs.Write(t, site, map[string]string{"node_modules/": ""})
	symlink(t, lib, filepath.Join(site, "node_modules", "lib"))
	if r := run(t, "build", filepath.Join(site, "fns"), t.TempDir()); r.code != 1 || !strings.Contains(r.stderr, "--allow-outside") {
		t.Fatalf("without --allow-outside: exit %d\n%s", r.code, r.stderr)
	}
	out := t.TempDir()
	if r := run(t, "build", "--allow-outside", lib, filepath.Join(site, "fns"), out); r.code != 0 {
		t.Fatalf("with --allow-outside: exit %d\n%s", r.code, r.stderr)
	}
	if names := entryNames(zipEntries(t, filepath.Join(out, "uses.zip"))); !slices.Contains(names, "lib/index.js") && !slices.Contains(names, "node_modules/lib/index.js") {
		t.Errorf("uses.zip: %q", names)
	}
}
