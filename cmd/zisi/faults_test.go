package main

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zisi-build/zisi/internal/testfs"
)

// fault is one bad input or fault, run through the real command (the test
// binary re-executed as zisi, see TestMain), so exit codes, signals and
// the destination lock are the process's own.
//
// Every case gets the same layout under a fresh ROOT: the site in
// ROOT/site (SITE) with a healthy fns/ok.js, files holding hostileSecret
// in ROOT/outside (OUTSIDE is never a site), and a destination ROOT/out
// (OUT) holding a previous deploy: manifest.json, old.zip and ok.zip. The
// build runs with DEPLOY_TOKEN=hostileSecret in its environment.
//
// After the build, whatever the case: a failed build left the previous
// deploy byte for byte; a successful one replaced the manifest and the
// archives it lists and left every other previous file byte for byte; no
// staging folder or temporary file is left; no file of OUT holds a byte
// of the secret.
type fault struct {
	name  string
	files map[string]string // ROOT-relative: "site/…" or "outside/…"
	setup func(t *testing.T, e *faultEnv)
	// args are the command line after "build"; ROOT, SITE and OUT are
	// replaced. Default: -q SITE/fns OUT.
	args []string
	// dest is the destination the arguments name (default OUT); its
	// manifest.json is the one a successful build writes, unless
	// manifest says otherwise.
	dest, manifest string
	// during runs while the build runs (to signal it, or to start a
	// second build against it).
	during  func(t *testing.T, e *faultEnv, p *proc)
	timeout time.Duration // default 2 minutes; a hang fails the case
	code    int
	stderr  []string // substrings, tokens replaced
	// built must be archives the new manifest lists; absent must not
	// exist in OUT afterwards.
	built, absent []string
	check         func(t *testing.T, e *faultEnv, r runResult)
}

// faultEnv is one case's layout.
type faultEnv struct {
	root, site, out, outside string
	release                  func() // set by a setup that holds the lock
}

func (e *faultEnv) expand(s string) string {
	return strings.NewReplacer("ROOT", e.root, "SITE", e.site, "OUT", e.out).Replace(s)
}

const okJS = "exports.handler = async () => ({ statusCode: 200 })\n"

// previousDeploy is what OUT holds before each case.
var previousDeploy = map[string]string{"manifest.json": "previous manifest", "old.zip": "previous archive", "ok.zip": "previous ok archive"}

// outsideFiles sit beside the site and hold the secret.
var outsideFiles = map[string]string{
	"outside/secret.js":        "module.exports = '" + hostileSecret + "'\n",
	"outside/dir/notes.txt":    hostileSecret + "\n",
	"outside/lib/package.json": `{"name":"lib","version":"1.0.0"}`,
	"outside/lib/index.js":     "module.exports = '" + hostileSecret + "'\n",
	"outside/ts/leak.ts":       "export const leak = '" + hostileSecret + "'\n",
}

func allFaults() []fault {
	return slices.Concat(sourceFaults(), configFaults(), containmentFaults(), fileFaults(), destinationFaults(), concurrencyFaults(), prebuiltFaults(), usageFaults())
}

func TestFaultMatrix(t *testing.T) {
	t.Parallel()
	cases := allFaults()
	if len(cases) < 50 {
		t.Errorf("%d cases; the matrix promises at least 50", len(cases))
	}
	seen := map[string]bool{}
	for _, c := range cases {
		if seen[c.name] {
			t.Errorf("two cases named %q", c.name)
		}
		seen[c.name] = true
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			runFault(t, c)
		})
	}
}

func runFault(t *testing.T, c fault) {
	root := t.TempDir()
	e := &faultEnv{root: root, site: filepath.Join(root, "site"), out: filepath.Join(root, "out"), outside: filepath.Join(root, "outside")}
	testfs.Write(t, root, outsideFiles)
	testfs.Write(t, e.site, map[string]string{"fns/ok.js": okJS})
	testfs.Write(t, root, c.files)
	testfs.Write(t, e.out, previousDeploy)
	if c.setup != nil {
		c.setup(t, e)
	}
	before := deployHashes(t, e.out)
	args := c.args
	if args == nil {
		args = []string{"-q", "SITE/fns", "OUT"}
	}
	full := []string{"build"}
	for _, a := range args {
		full = append(full, e.expand(a))
	}
	p := startZisi(t, root, []string{"DEPLOY_TOKEN=" + hostileSecret}, full...)
	if c.during != nil {
		c.during(t, e, p)
	}
	timeout := c.timeout
	if timeout == 0 {
		timeout = 2 * time.Minute
	}
	r := p.wait(t, timeout)
	if r.code != c.code {
		t.Fatalf("exit %d, want %d\n%s", r.code, c.code, r.stderr)
	}
	for _, w := range c.stderr {
		if w = e.expand(w); !strings.Contains(r.stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
		}
	}
	if c.code == 0 {
		checkPublished(t, c, e, before)
	} else if after := deployHashes(t, e.out); !maps.Equal(before, after) {
		t.Errorf("a failed build changed the previous deploy:\nbefore %v\nafter  %v", before, after)
	}
	for _, name := range c.absent {
		if _, err := os.Lstat(filepath.Join(e.out, name)); !os.IsNotExist(err) {
			t.Errorf("%s exists (%v)", name, err)
		}
	}
	for _, dir := range []string{e.out, e.site} {
		filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && leftoverName(d.Name()) {
				t.Errorf("left behind: %s", p)
			}
			return nil
		})
	}
	assertNoSecret(t, e.out)
	if c.check != nil {
		c.check(t, e, r)
	}
}

// checkPublished: a successful build wrote a new manifest listing the
// functions it built, each archive in place and readable; every file of
// the previous deploy it did not replace is byte for byte as it was.
func checkPublished(t *testing.T, c fault, e *faultEnv, before map[string]string) {
	t.Helper()
	dest := e.out
	if c.dest != "" {
		dest = e.expand(c.dest)
	}
	manifestPath := filepath.Join(dest, "manifest.json")
	if c.manifest != "" {
		manifestPath = e.expand(c.manifest)
	}
	data, err := os.ReadFile(manifestPath)
	if err != nil {
		t.Fatalf("no manifest: %v", err)
	}
	var m struct {
		Functions []struct{ Name, Path string }
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("the manifest is not JSON: %v\n%s", err, data)
	}
	// Paths relative to OUT, through symbolic links (a destination may
	// be one).
	base := e.out
	if real, err := filepath.EvalSymlinks(base); err == nil {
		base = real
	}
	relOut := func(p string) (string, bool) {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		rel, err := filepath.Rel(base, p)
		return rel, err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
	}
	replaced := map[string]bool{}
	manifestRel, manifestInOut := relOut(manifestPath)
	if manifestInOut {
		replaced[manifestRel] = true
	}
	for _, f := range m.Functions {
		rel, ok := relOut(f.Path)
		if !ok {
			t.Errorf("function %s published outside OUT: %s", f.Name, f.Path)
			continue
		}
		replaced[rel] = true
		if strings.HasSuffix(f.Path, ".zip") {
			zipEntries(t, f.Path)
		} else if _, err := os.Stat(f.Path); err != nil {
			t.Errorf("function %s: %v", f.Name, err)
		}
	}
	for _, name := range c.built {
		if !replaced[name] {
			t.Errorf("the manifest does not list %s: %s", name, data)
		}
	}
	under := func(name string) bool {
		for r := range replaced {
			if name == r || strings.HasPrefix(name, r+string(filepath.Separator)) {
				return true
			}
		}
		return false
	}
	after := deployHashes(t, e.out)
	for name, h := range before {
		if !under(name) && after[name] != h {
			t.Errorf("%s, not rebuilt, changed or vanished", name)
		}
	}
	for name := range after {
		if _, ok := before[name]; !ok && !under(name) {
			t.Errorf("%s appeared, but no manifest names it", name)
		}
	}
	if manifestInOut && before[manifestRel] != "" && after[manifestRel] == before[manifestRel] {
		t.Errorf("%s was not replaced", manifestRel)
	}
}

// leftoverName is what a build may never leave: its staging folder and
// the temporary files of atomic writes.
func leftoverName(name string) bool {
	return strings.HasPrefix(name, ".zisi-staging-") || strings.Contains(name, ".tmp-")
}

// proc is a running zisi.
type proc struct {
	cmd            *exec.Cmd
	args           []string
	stdout, stderr lockedBuffer
	done           chan struct{}
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startZisi runs the test binary as zisi with args, in dir, with env
// added to the environment.
func startZisi(t *testing.T, dir string, env []string, args ...string) *proc {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	list, _ := json.Marshal(args)
	p := &proc{cmd: exec.Command(exe, "-test.run=^$"), args: args, done: make(chan struct{})}
	p.cmd.Dir = dir
	p.cmd.Env = append(append(os.Environ(), env...), "ZISI_TEST_MAIN_ARGS="+string(list))
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// wait waits for zisi to exit; one still running after timeout is
// killed and fails the test.
func (p *proc) wait(t *testing.T, timeout time.Duration) runResult {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		p.cmd.Process.Kill()
		<-p.done
		t.Fatalf("zisi %q still running after %s (killed)\n%s", p.args, timeout, p.stderr.String())
	}
	return runResult{p.cmd.ProcessState.ExitCode(), p.stdout.String(), p.stderr.String()}
}

// await polls cond until it holds; zisi ending first, or a minute
// passing, fails the test.
func (p *proc) await(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		select {
		case <-p.done:
			t.Fatalf("zisi ended before %s: exit %d\n%s", what, p.cmd.ProcessState.ExitCode(), p.stderr.String())
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s within a minute\n%s", what, p.stderr.String())
		}
	}
}

// staged counts the entries of OUT's staging folder (0 without one).
func staged(out string) int {
	dirs, _ := filepath.Glob(filepath.Join(out, ".zisi-staging-*"))
	if len(dirs) == 0 {
		return 0
	}
	entries, _ := os.ReadDir(dirs[0])
	return len(entries)
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// zipEntries opens the archive at path and reads every entry through,
// so a bad CRC fails the test.
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

// stressFiles are n functions of four kinds (CommonJS file, directory
// with a helper, ESM through esbuild, TypeScript) over a shared local
// package tree, as site-relative paths.
func stressFiles(n int) map[string]string {
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
	return files
}

// stressSite writes stressFiles(n) into a new temporary directory.
func stressSite(t *testing.T, n int) string {
	t.Helper()
	return testfs.Site(t, stressFiles(n))
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

// deployHashes is outputHashes without leftovers of killed builds, which
// are no part of a deploy (the next build removes them).
func deployHashes(t *testing.T, out string) map[string]string {
	t.Helper()
	hashes := outputHashes(t, out)
	for name := range hashes {
		for _, part := range strings.Split(name, string(filepath.Separator)) {
			if leftoverName(part) {
				delete(hashes, name)
			}
		}
	}
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
