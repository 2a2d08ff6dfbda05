package bundler_test

// A randomized equivalence test of the build cache: a small site with
// real npm packages goes through random edits, and after each one a
// build with the cache must give what a cold build gives, byte for byte.

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zisi-build/zisi/bundler"
	"github.com/zisi-build/zisi/config"
	"github.com/zisi-build/zisi/internal/node"
)

var (
	equivSeed  = flag.Uint64("equiv.seed", 17, "seed of TestCacheEquivalence's random edits")
	equivSteps = flag.Int("equiv.steps", 25, "number of random edits TestCacheEquivalence makes")
)

// equivFunctions are the site's functions; every one goes through the
// cache.
var equivFunctions = []string{"dirfn", "esb", "tsfn", "v1cjs", "v2"}

// knob is one thing an edit changes: its values, the first the initial
// one.
type knob struct {
	name   string
	kind   string
	values []string
}

// equivKnobs describe the site's state. Each edit sets one knob to
// another of its values (or several, reverting to an earlier state), so
// states come back and older cache entries can hit.
var equivKnobs = []knob{
	{"src:netlify/functions/v1cjs.js", "content", []string{"0", "1", "2"}},
	{"src:netlify/functions/esb.js", "content", []string{"0", "1", "2"}},
	{"src:netlify/functions/tsfn.ts", "content", []string{"0", "1", "2"}},
	{"src:netlify/functions/v2.mjs", "content", []string{"0", "1", "2"}},
	{"src:netlify/functions/dirfn/dirfn.js", "content", []string{"0", "1", "2"}},
	{"src:netlify/functions/dirfn/lib/index.js", "content", []string{"0", "1", "2"}},
	{"src:shared/helper.js", "content", []string{"0", "1", "2"}},
	{"src:shared/util.js", "content", []string{"0", "1", "2"}},
	{"src:shared/greet.ts", "content", []string{"0", "1", "2"}},
	{"src:data/a.txt", "content", []string{"0", "1", "2"}},

	// Shadowing: an index.ts beside the index.js of a folder dirfn
	// requires, a util.ts beside the util.js that "./util" finds, a
	// package in dirfn's own node_modules over the hoisted one.
	{"has:netlify/functions/dirfn/lib/index.ts", "shadow", []string{"no", "yes"}},
	{"has:shared/util.ts", "shadow", []string{"no", "yes"}},
	{"has:netlify/functions/dirfn/node_modules/is-number", "shadow", []string{"no", "yes"}},

	{"bump:node_modules/is-number", "bump", []string{"0", "1", "2"}},
	{"bump:node_modules/ms", "bump", []string{"0", "1", "2"}},
	{"bump:node_modules/debug/node_modules/ms", "bump", []string{"0", "1", "2"}},

	{"toml:v1cjs.included_files", "toml", []string{"", `["data/*.txt"]`, `["data/a.txt"]`}},
	{"toml:esb.external_node_modules", "toml", []string{"", `["ms"]`}},
	{"toml:esb.node_sourcemap", "toml", []string{"", "true"}},
	{"toml:v1cjs.timeout", "toml", []string{"", "30"}},

	{"isc:v2.path", "isc", []string{"/x", "/y", "/x/:id"}},

	{"toml:node_version", "node", []string{"", "18", "22"}},
	{"opt:NodeVersion", "node", []string{"", "20", "22"}},

	// Deleting: greet.ts and lib/index.js are imported (the build fails,
	// or with index.ts present resolves elsewhere), unused.js is not,
	// b.txt only when included_files takes data/*.txt.
	{"has:shared/greet.ts", "delete", []string{"yes", "no"}},
	{"has:netlify/functions/dirfn/lib/index.js", "delete", []string{"yes", "no"}},
	{"has:shared/unused.js", "delete", []string{"yes", "no"}},
	{"has:data/b.txt", "delete", []string{"yes", "no"}},

	// The hoisted ms as pnpm lays it out: a link into a store, to one
	// version or another.
	{"link:node_modules/ms", "link", []string{"dir", "store-a", "store-b"}},
	// The site's package.json "type" decides how .js files load.
	{"pkg:type", "pkgjson", []string{"", "commonjs", "module"}},

	// esbuild takes "paths" from the file tsconfig.json extends.
	{"tsconfig:base", "tsconfig", []string{"a", "b"}},

	{"toml:v1cjs.node_bundler", "bundler", []string{"", "esbuild", "nft"}},
	{"toml:esb.node_bundler", "bundler", []string{"esbuild", "zisi"}},
}

// equivKinds are the kinds of edit, drawn uniformly; "touch" changes
// nothing but times (and rewrites a file with its own bytes), "revert"
// goes back to the state of an earlier step.
var equivKinds = []string{"content", "shadow", "bump", "toml", "isc", "node", "touch", "delete", "bundler", "tsconfig", "link", "pkgjson", "revert"}

// siteState maps each knob to its value.
type siteState map[string]string

// initialState has every knob at its first value.
func initialState() siteState {
	s := siteState{}
	for _, k := range equivKnobs {
		s[k.name] = k.values[0]
	}
	return s
}

// equivPackages are the real installed packages the site ships, copied
// from this fixture's node_modules: ms is hoisted, and debug has its own
// older ms nested, so resolution from debug finds a shadowing copy.
const equivPackageFixture = "../fixtures/node-deps/node_modules"

var equivPackages = []string{"is-number", "ms", "debug"}

// readPackages reads the installed packages into memory, keyed by their
// path in the site.
func readPackages(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, pkg := range equivPackages {
		root := filepath.Join(equivPackageFixture, pkg)
		if _, err := os.Stat(filepath.Join(root, "package.json")); err != nil {
			t.Fatalf("fixtures/node-deps/node_modules/%s is missing: run make test-deps (make test does): %v", pkg, err)
		}
		err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			if !e.Type().IsRegular() {
				return fmt.Errorf("%s: not a regular file", p)
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(equivPackageFixture, p)
			out["node_modules/"+filepath.ToSlash(rel)] = data
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, ok := out["node_modules/debug/node_modules/ms/package.json"]; !ok {
		t.Fatal("fixtures/node-deps/node_modules/debug has no nested node_modules/ms: the fixture changed, pick another nested package")
	}
	return out
}

// bumpPackage gives a package another version: its package.json says so
// and its main file changes.
func bumpPackage(files map[string][]byte, dir, variant string) {
	if variant == "0" {
		return
	}
	pj := dir + "/package.json"
	var meta map[string]any
	if json.Unmarshal(files[pj], &meta) == nil {
		old, _ := meta["version"].(string)
		files[pj] = bytes.Replace(files[pj], []byte(`"version": "`+old+`"`), []byte(`"version": "`+old+`-patch.`+variant+`"`), 1)
	}
	idx := dir + "/index.js"
	files[idx] = append(slices.Clone(files[idx]), []byte("\n// patched "+variant+"\n")...)
}

// linkPrefix marks a symbolic link in the site's files: the rest is its
// target.
const linkPrefix = "\x00link:"

// renderSite is the site's files in state s (path → content, or linkPrefix
// and a link's target).
func renderSite(s siteState, pkgs map[string][]byte) map[string][]byte {
	v := func(file string) string { return s["src:"+file] }
	files := map[string][]byte{}
	put := func(p, content string) { files[p] = []byte(content) }

	typ := ""
	if t := s["pkg:type"]; t != "" {
		typ = `"type":"` + t + `",`
	}
	put("package.json", `{"name":"equiv-site","version":"1.0.0","private":true,`+typ+`"dependencies":{"debug":"^2.6.9","is-number":"^7.0.0","ms":"^2.1.3"}}`+"\n")
	put("netlify.toml", renderTOML(s))
	put("netlify/functions/v1cjs.js", `const isNumber = require("is-number");
const { helper } = require("../../shared/helper");
exports.handler = async () => ({ statusCode: 200, body: "v1cjs `+v("netlify/functions/v1cjs.js")+` " + isNumber(5) + " " + helper() });
`)
	put("netlify/functions/esb.js", `const ms = require("ms");
const { util } = require("../../shared/util");
exports.handler = async () => ({ statusCode: 200, body: "esb `+v("netlify/functions/esb.js")+` " + ms(60000) + " " + util() });
`)
	put("netlify/functions/tsfn.ts", `import isNumber from "is-number";
import { extra } from "~extra";
import { greet } from "../../shared/greet";
import { util } from "../../shared/util";

export const handler = async (): Promise<{ statusCode: number; body: string }> => ({
  statusCode: 200,
  body: greet("tsfn `+v("netlify/functions/tsfn.ts")+`") + " " + isNumber(1) + " " + util() + " " + extra,
});
`)
	put("netlify/functions/v2.mjs", `import ms from "ms";

export default async (req) => new Response("v2 `+v("netlify/functions/v2.mjs")+` " + ms(1000) + " " + new URL(req.url).pathname);

export const config = { path: "`+s["isc:v2.path"]+`" };
`)
	put("netlify/functions/dirfn/dirfn.js", `const lib = require("./lib");
const debug = require("debug")("dirfn");
const isNumber = require("is-number");
exports.handler = async () => { debug("called"); return { statusCode: 200, body: "dirfn `+v("netlify/functions/dirfn/dirfn.js")+` " + lib() + " " + isNumber(2) }; };
`)
	if s["has:netlify/functions/dirfn/lib/index.js"] == "yes" {
		put("netlify/functions/dirfn/lib/index.js", `module.exports = () => "lib js `+v("netlify/functions/dirfn/lib/index.js")+`";`+"\n")
	}
	if s["has:netlify/functions/dirfn/lib/index.ts"] == "yes" {
		put("netlify/functions/dirfn/lib/index.ts", `export default (): string => "lib ts";`+"\n")
	}
	put("tsconfig.json", "{\n  // the settings are shared\n  \"extends\": \"./config/tsconfig.base\",\n}\n")
	put("config/tsconfig.base.json", `{"compilerOptions": {"baseUrl": "..", "paths": {"~extra": ["./shared/extra-`+s["tsconfig:base"]+`.ts"]}}}`+"\n")
	put("shared/extra-a.ts", `export const extra: string = "extra a";`+"\n")
	put("shared/extra-b.ts", `export const extra: string = "extra b";`+"\n")
	put("shared/helper.js", `exports.helper = () => "helper `+v("shared/helper.js")+`";`+"\n")
	put("shared/util.js", `exports.util = () => "util js `+v("shared/util.js")+`";`+"\n")
	if s["has:shared/util.ts"] == "yes" {
		put("shared/util.ts", `export const util = (): string => "util ts";`+"\n")
	}
	if s["has:shared/greet.ts"] == "yes" {
		put("shared/greet.ts", `export const greet = (name: string): string => "hi " + name + " `+v("shared/greet.ts")+`";`+"\n")
	}
	if s["has:shared/unused.js"] == "yes" {
		put("shared/unused.js", "module.exports = 'nobody requires me';\n")
	}
	put("data/a.txt", "data a "+v("data/a.txt")+"\n")
	if s["has:data/b.txt"] == "yes" {
		put("data/b.txt", "data b\n")
	}

	ms := "node_modules/ms"
	if link := s["link:node_modules/ms"]; link != "dir" {
		ms = "node_modules/.store/ms-" + strings.TrimPrefix(link, "store-")
		files["node_modules/ms"] = []byte(linkPrefix + ".store/ms-" + strings.TrimPrefix(link, "store-"))
	}
	for p, data := range pkgs {
		if rest, ok := strings.CutPrefix(p, "node_modules/ms/"); ok {
			p = ms + "/" + rest
		}
		files[p] = data
	}
	if ms == "node_modules/.store/ms-b" {
		bumpPackage(files, ms, "b")
	}
	for _, dir := range []string{"node_modules/is-number", ms, "node_modules/debug/node_modules/ms"} {
		bumpPackage(files, dir, s["bump:"+strings.Replace(dir, ms, "node_modules/ms", 1)])
	}
	if s["has:netlify/functions/dirfn/node_modules/is-number"] == "yes" {
		// A nearer copy of is-number, of another version, shadows the
		// hoisted one for dirfn.
		near := map[string][]byte{}
		for p, data := range pkgs {
			if rest, ok := strings.CutPrefix(p, "node_modules/is-number/"); ok {
				near["netlify/functions/dirfn/node_modules/is-number/"+rest] = data
			}
		}
		bumpPackage(near, "netlify/functions/dirfn/node_modules/is-number", "9")
		for p, data := range near {
			files[p] = data
		}
	}
	return files
}

// renderTOML is the site's netlify.toml in state s.
func renderTOML(s siteState) string {
	var b strings.Builder
	b.WriteString("[build]\n  publish = \"public\"\n\n[functions]\n  directory = \"netlify/functions\"\n")
	if nv := s["toml:node_version"]; nv != "" {
		fmt.Fprintf(&b, "  node_version = %q\n", nv)
	}
	b.WriteString("\n[functions.v1cjs]\n")
	if nb := s["toml:v1cjs.node_bundler"]; nb != "" {
		fmt.Fprintf(&b, "  node_bundler = %q\n", nb)
	}
	if inc := s["toml:v1cjs.included_files"]; inc != "" {
		fmt.Fprintf(&b, "  included_files = %s\n", inc)
	}
	if to := s["toml:v1cjs.timeout"]; to != "" {
		fmt.Fprintf(&b, "  timeout = %s\n", to)
	}
	fmt.Fprintf(&b, "\n[functions.esb]\n  node_bundler = %q\n", s["toml:esb.node_bundler"])
	if ext := s["toml:esb.external_node_modules"]; ext != "" {
		fmt.Fprintf(&b, "  external_node_modules = %s\n", ext)
	}
	if sm := s["toml:esb.node_sourcemap"]; sm != "" {
		fmt.Fprintf(&b, "  node_sourcemap = %s\n", sm)
	}
	return b.String()
}

// equivSite is the site on disk and the state it is in.
type equivSite struct {
	t     *testing.T
	root  string
	pkgs  map[string][]byte
	files map[string][]byte
	state siteState
	rng   *rand.Rand
	// old is a time well before the test: some edits backdate to it, so
	// an edit of the same size can leave size and modification time as
	// they were (a checkout or rsync -t does that).
	old time.Time
}

// apply removes what state next lacks (and folders left empty), writes
// what differs between the site on disk and next, and backdates what it
// wrote and the folders it changed (links keep their own times: os has
// no Lchtimes). It returns the paths changed.
func (s *equivSite) apply(next siteState) []string {
	s.t.Helper()
	want := renderSite(next, s.pkgs)
	var changed []string
	dirs := map[string]bool{}
	for _, p := range slices.Sorted(maps.Keys(s.files)) {
		if data, ok := want[p]; ok && (!bytes.HasPrefix(data, []byte(linkPrefix)) || bytes.Equal(data, s.files[p])) {
			continue // rewritten in place below, or an unchanged link
		}
		full := filepath.Join(s.root, filepath.FromSlash(p))
		if err := os.Remove(full); err != nil {
			s.t.Fatal(err)
		}
		if _, ok := want[p]; !ok {
			changed = append(changed, p)
		}
		for d := filepath.Dir(full); d != s.root; d = filepath.Dir(d) {
			if os.Remove(d) != nil { // not empty
				dirs[d] = true
				break
			}
			delete(dirs, d)
		}
	}
	for _, p := range slices.Sorted(maps.Keys(want)) {
		data := want[p]
		if old, ok := s.files[p]; ok && bytes.Equal(old, data) {
			continue
		}
		full := filepath.Join(s.root, filepath.FromSlash(p))
		for d := filepath.Dir(full); d != s.root; d = filepath.Dir(d) {
			dirs[d] = true // its listing may change
			if _, err := os.Stat(d); err == nil {
				break
			}
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			s.t.Fatal(err)
		}
		if target, ok := bytes.CutPrefix(data, []byte(linkPrefix)); ok {
			if err := os.Symlink(string(target), full); err != nil {
				s.t.Fatal(err)
			}
		} else {
			s.write(full, data)
		}
		changed = append(changed, p)
	}
	s.files, s.state = want, next
	when := s.backdate()
	for _, p := range changed {
		full := filepath.Join(s.root, filepath.FromSlash(p))
		if data, ok := want[p]; ok && !bytes.HasPrefix(data, []byte(linkPrefix)) {
			s.chtimes(full, when)
		}
	}
	for d := range dirs {
		if _, err := os.Stat(d); err == nil {
			s.chtimes(d, when)
		}
	}
	slices.Sort(changed)
	return changed
}

// write replaces a file's content: in place (same inode) or, as git
// checkout and editors do, through a new file renamed over it.
func (s *equivSite) write(full string, data []byte) {
	s.t.Helper()
	if s.rng.IntN(2) == 0 {
		if err := os.WriteFile(full, data, 0o644); err != nil {
			s.t.Fatal(err)
		}
		return
	}
	tmp := full + ".equiv-tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		s.t.Fatal(err)
	}
	if err := os.Rename(tmp, full); err != nil {
		s.t.Fatal(err)
	}
}

// backdate is a time clearly before the builds that follow: a couple of
// seconds ago, or the fixed old time.
func (s *equivSite) backdate() time.Time {
	if s.rng.IntN(2) == 0 {
		return s.old
	}
	return time.Now().Add(-2*time.Second - time.Duration(s.rng.IntN(3000))*time.Millisecond)
}

func (s *equivSite) chtimes(p string, when time.Time) {
	s.t.Helper()
	if err := os.Chtimes(p, when, when); err != nil {
		s.t.Fatal(err)
	}
}

// touch sets a file's times to now and rewrites it with its own bytes.
func (s *equivSite) touch(p string) {
	s.t.Helper()
	full := filepath.Join(s.root, filepath.FromSlash(p))
	now := time.Now()
	s.chtimes(full, now)
	s.write(full, s.files[p])
	s.chtimes(full, now)
}

// restore puts back the imported files a delete edit removed, reverting
// it.
func (s *equivSite) restore() string {
	s.t.Helper()
	next := cloneState(s.state)
	var names []string
	for _, k := range equivKnobs {
		if k.kind == "delete" && next[k.name] != k.values[0] {
			next[k.name] = k.values[0]
			names = append(names, k.name)
		}
	}
	if len(names) == 0 {
		return s.edit("revert", nil)
	}
	changed := s.apply(next)
	return fmt.Sprintf("restore: %s (%s)", strings.Join(names, ", "), listPaths(changed))
}

// edit makes one random edit of the given kind and describes it;
// history holds the states of the earlier steps.
func (s *equivSite) edit(kind string, history []siteState) string {
	s.t.Helper()
	switch kind {
	case "touch":
		var names []string
		for _, p := range slices.Sorted(maps.Keys(s.files)) {
			if !bytes.HasPrefix(s.files[p], []byte(linkPrefix)) {
				names = append(names, p)
			}
		}
		p := names[s.rng.IntN(len(names))]
		s.touch(p)
		return "touch " + p
	case "revert":
		// Back to the state of one of the last few steps that differs.
		var picks []int
		for i := len(history) - 1; i >= 0 && i >= len(history)-6; i-- {
			if !sameState(history[i], s.state) {
				picks = append(picks, i)
			}
		}
		if len(picks) == 0 {
			return s.edit("content", history)
		}
		i := picks[s.rng.IntN(len(picks))]
		changed := s.apply(cloneState(history[i]))
		return fmt.Sprintf("revert to the state after step %d (%s)", i, listPaths(changed))
	}
	// Each edit must really happen: a knob whose file is deleted now
	// (the content of a missing lib/index.js) is not drawn.
	type change struct {
		k   knob
		val string
	}
	var cands []change
	for _, k := range equivKnobs {
		if k.kind != kind {
			continue
		}
		for _, v := range k.values {
			if v == s.state[k.name] {
				continue
			}
			next := cloneState(s.state)
			next[k.name] = v
			if strings.HasPrefix(k.name, "opt:") || !sameFiles(renderSite(next, s.pkgs), s.files) {
				cands = append(cands, change{k, v})
			}
		}
	}
	if len(cands) == 0 {
		return s.edit("content", history)
	}
	c := cands[s.rng.IntN(len(cands))]
	cur := s.state[c.k.name]
	next := cloneState(s.state)
	next[c.k.name] = c.val
	changed := s.apply(next)
	return fmt.Sprintf("%s: %s %q -> %q (%s)", kind, c.k.name, cur, c.val, listPaths(changed))
}

// listPaths names the paths an edit changed, the first few of them.
func listPaths(paths []string) string {
	if len(paths) > 4 {
		return fmt.Sprintf("%s and %d more", strings.Join(paths[:4], ", "), len(paths)-4)
	}
	return strings.Join(paths, ", ")
}

// sameFiles reports whether two renderings are the same.
func sameFiles(a, b map[string][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for p, data := range a {
		if other, ok := b[p]; !ok || !bytes.Equal(data, other) {
			return false
		}
	}
	return true
}

// cloneState copies a state.
func cloneState(s siteState) siteState {
	out := siteState{}
	for k, v := range s {
		out[k] = v
	}
	return out
}

// sameState reports whether two states are the same.
func sameState(a, b siteState) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return len(a) == len(b)
}

// buildOutcome is everything a build gives that must not depend on the
// cache, with the destination replaced by $DEST.
type buildOutcome struct {
	Err        string
	Functions  string
	Plain      string
	Warnings   string
	Notes      string
	Failures   string
	Bootstrap  string
	Removed    string
	Manifest   string
	Outputs    map[string][]byte
	cache      *bundler.CacheStats
	cachedFlag int
	names      []string
}

// built is how many functions the build gave a result for.
func (o *buildOutcome) built() int { return len(o.names) }

// plainResult is FunctionResult without its reference JSON form: every
// exported field, Selection included.
type plainResult bundler.FunctionResult

// build builds the site into dest as the CLI would (netlify.toml read,
// the site as base path) and collects the outcome.
func (s *equivSite) build(dest string, opts bundler.Options) *buildOutcome {
	s.t.Helper()
	norm := func(v any) string {
		data, err := json.Marshal(v)
		if err != nil {
			s.t.Fatal(err)
		}
		return strings.ReplaceAll(string(data), dest, "$DEST")
	}
	out := &buildOutcome{}
	f, err := config.Load(filepath.Join(s.root, "netlify.toml"))
	if err != nil {
		s.t.Fatal(err)
	}
	opts.Config, opts.BasePath = &f.Functions, s.root
	if nv := s.state["opt:NodeVersion"]; nv != "" {
		opts.NodeVersion = nv
	}
	rep, err := bundler.ZipFunctions(s.t.Context(), []string{f.FunctionsDirectory}, dest, opts)
	if err != nil {
		out.Err = strings.ReplaceAll(err.Error(), dest, "$DEST")
		var be *bundler.BuildError
		if !errors.As(err, &be) {
			out.Err = "not a BuildError: " + out.Err
		}
	}
	if rep != nil {
		out.Functions = norm(rep.Functions)
		plain := make([]plainResult, len(rep.Functions))
		for i, r := range rep.Functions {
			out.names = append(out.names, r.Name)
			if r.Cached {
				out.cachedFlag++
			}
			plain[i] = plainResult(r)
			plain[i].Cached = false
		}
		out.Plain = norm(plain)
		// The cache's own note on a rebuilt function (what changed) is
		// the one thing a cached build adds.
		var notes []bundler.Warning
		for _, w := range rep.Notes {
			if !strings.HasPrefix(w.Message, "rebuilt, not restored from the build cache: ") {
				notes = append(notes, w)
			}
		}
		out.Warnings, out.Notes, out.Bootstrap, out.Removed = norm(rep.Warnings), norm(notes), norm(rep.Bootstrap), norm(rep.Removed)
		fails := make([]string, len(rep.Failures))
		for i, fe := range rep.Failures {
			fails[i] = fe.Error()
		}
		out.Failures = norm(fails)
		out.Manifest = norm(rep.Manifest)
		out.cache = rep.Cache
	}
	out.Outputs = readOutputs(s.t, dest)
	if m, ok := out.Outputs["manifest.json"]; ok {
		var doc map[string]any
		if err := json.Unmarshal(m, &doc); err != nil {
			s.t.Fatalf("manifest.json: %v", err)
		}
		if _, ok := doc["timestamp"]; !ok {
			s.t.Fatalf("manifest.json has no timestamp: %s", m)
		}
		delete(doc, "timestamp")
		out.Outputs["manifest.json"] = []byte(norm(doc))
	}
	return out
}

// readOutputs reads every file under dest.
func readOutputs(t *testing.T, dest string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dest, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == dest {
				return nil
			}
			return err
		}
		if e.IsDir() {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		data, err := io.ReadAll(f)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dest, p)
		out[filepath.ToSlash(rel)] = data
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// differences lists how two outcomes differ.
func differences(cached, cold *buildOutcome) []string {
	var diffs []string
	for _, f := range []struct {
		name     string
		got, exp string
	}{
		{"error", cached.Err, cold.Err},
		{"results (JSON)", cached.Functions, cold.Functions},
		{"results (every field)", cached.Plain, cold.Plain},
		{"warnings", cached.Warnings, cold.Warnings},
		{"notes", cached.Notes, cold.Notes},
		{"failures", cached.Failures, cold.Failures},
		{"bootstrap", cached.Bootstrap, cold.Bootstrap},
		{"removed", cached.Removed, cold.Removed},
		{"manifest path", cached.Manifest, cold.Manifest},
	} {
		if f.got != f.exp {
			diffs = append(diffs, f.name+":\n"+firstDifference(f.got, f.exp))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(cold.Outputs)) {
		got, ok := cached.Outputs[name]
		switch {
		case !ok:
			diffs = append(diffs, "output "+name+": only the cold build wrote it")
		case !bytes.Equal(got, cold.Outputs[name]):
			diffs = append(diffs, fmt.Sprintf("output %s: %d bytes cached, %d cold, different", name, len(got), len(cold.Outputs[name])))
			if name == "manifest.json" {
				diffs = append(diffs, firstDifference(string(got), string(cold.Outputs[name])))
			}
		}
	}
	for name := range cached.Outputs {
		if _, ok := cold.Outputs[name]; !ok {
			diffs = append(diffs, "output "+name+": only the cached build wrote it")
		}
	}
	return diffs
}

// firstDifference shows two texts around where they first differ.
func firstDifference(got, want string) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	around := func(s string) string {
		from, to := max(0, i-200), min(len(s), i+200)
		return fmt.Sprintf("…%s…", s[from:to])
	}
	return fmt.Sprintf("  at byte %d\n  cached: %s\n  cold:   %s", i, around(got), around(want))
}

// copyTree copies the files of src into dest (copies, not links: a
// link would change the shared originals' change times).
func copyTree(t *testing.T, src, dest string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dest, rel)
		if e.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// settled splits the cached builds, in the figures the test logs, into
// those that started right after the edit, within or near the racy
// margin (20 ms) inside which the cache takes a change to have been
// made while the build ran and does not store, and later ones.
const settled = 30 * time.Millisecond

// maxRebuilds bounds the rebuilds after each step.
const maxRebuilds = 3

// TestCacheEquivalence edits a site at random and checks after every
// edit that a build with the build cache (one cache for the whole run)
// gives the same archives, manifest, results, warnings and failures as a
// build without it, and that the cache is used: rebuilds with nothing
// changed come to hit for every function, and so does a build after an
// edit that changes no content (touch). -equiv.seed and -equiv.steps
// replay or extend a run.
func TestCacheEquivalence(t *testing.T) {
	t.Parallel()
	seed, steps := *equivSeed, *equivSteps
	t.Logf("seed %d, %d steps (rerun with -equiv.seed=%d -equiv.steps=%d)", seed, steps, seed, steps)
	rng := rand.New(rand.NewPCG(seed, 0x5eed))

	// The v2 bootstrap, from the per-user cache, in a cache folder of the
	// test's own, which both builds use; only one of them has the build
	// cache on.
	// (Fetched there with npm pack on a machine that has none yet.)
	boot, err := node.FindBootstrap(t.Context(), node.BootstrapOptions{CacheDir: node.DefaultCacheDir()})
	if err != nil {
		t.Fatal(err)
	}
	cacheDir := t.TempDir()
	copyTree(t, boot.Dir, filepath.Join(cacheDir, "bootstrap", node.BootstrapVersion, "package"))
	withCache := bundler.Options{Cache: true, CacheDir: cacheDir}
	cold := bundler.Options{CacheDir: cacheDir}

	site := &equivSite{t: t, root: t.TempDir(), pkgs: readPackages(t), files: map[string][]byte{}, rng: rng, old: time.Now().Add(-time.Hour).Truncate(time.Second)}
	site.apply(initialState())
	destCached, destCold := filepath.Join(t.TempDir(), "cached"), filepath.Join(t.TempDir(), "cold")

	history := []siteState{cloneState(site.state)}
	var log []string
	fail := func(step int, desc, format string, args ...any) {
		t.Helper()
		t.Fatalf("seed %d, step %d (%s): %s\n\nedits so far:\n%s", seed, step, desc, fmt.Sprintf(format, args...), strings.Join(log, "\n"))
	}
	var hits, misses, touches, failing int
	var quick, quickBuilt, quickUnstored, slowBuilt, slowUnstored, unkept, checkedTouches int
	prevStored := false
	prevFailed := false
	for step := 0; step <= steps; step++ {
		desc, kind := "initial site", ""
		if step > 0 {
			kind = equivKinds[rng.IntN(len(equivKinds))]
			if step%5 == 0 {
				kind = "touch"
			} else if prevFailed && rng.IntN(2) == 0 {
				kind = "restore"
			}
			if kind == "restore" {
				desc = site.restore()
			} else {
				desc = site.edit(kind, history)
			}
		}
		edited := time.Now()

		// Half the steps build with the cache right after the edit (as a
		// watcher rebuilding on save does), half after the cold build.
		cachedFirst := rng.IntN(2) == 0
		var withOut, coldOut *buildOutcome
		var gap time.Duration
		buildCached := func() {
			gap = time.Since(edited)
			withOut = site.build(destCached, withCache)
		}
		if cachedFirst {
			buildCached()
			coldOut = site.build(destCold, cold)
		} else {
			coldOut = site.build(destCold, cold)
			buildCached()
		}
		if withOut.cache == nil {
			fail(step, desc, "the build with Cache: true has no Report.Cache")
		}
		if coldOut.cache != nil {
			fail(step, desc, "the build with Cache: false has a Report.Cache: %+v", *coldOut.cache)
		}
		st := *withOut.cache
		hits += st.Hits
		misses += st.Misses
		order := "cold build, then cached"
		if cachedFirst {
			order = "cached build, then cold"
		}
		log = append(log, fmt.Sprintf("step %d: %s [%s %s after the edit: %d hits, %d misses; failed: %v]", step, desc, order, gap.Round(time.Millisecond), st.Hits, st.Misses, coldOut.Err != ""))
		t.Log(log[len(log)-1])
		if diffs := differences(withOut, coldOut); len(diffs) > 0 {
			fail(step, desc, "the cached build differs from the cold one:\n%s", strings.Join(diffs, "\n"))
		}
		if withOut.cachedFlag != st.Hits {
			fail(step, desc, "%d results say Cached, Report.Cache says %d hits", withOut.cachedFlag, st.Hits)
		}
		if built := withOut.built(); st.Hits+st.Misses != built {
			fail(step, desc, "%d functions built, but %d hits and %d misses", built, st.Hits, st.Misses)
		}
		if step == 0 && !slices.Equal(slices.Sorted(slices.Values(coldOut.names)), equivFunctions) {
			fail(step, desc, "the site built %q, want %q", coldOut.names, equivFunctions)
		}
		if kind == "touch" {
			touches++
			// Nothing changed since the last step, which stored every
			// function it built.
			if prevStored {
				checkedTouches++
				if st.Misses > 0 {
					fail(step, desc, "%d misses after an edit that changed no content", st.Misses)
				}
			}
		}

		// Rebuilds with nothing changed say what the cached build
		// stored. Right after the edit it refuses to store a function
		// whose inputs changed within the racy margin before it started,
		// by their change time, which backdating the modification time
		// does not move; and a folder it probed (an ancestor's listing)
		// that anything else changed meanwhile does the same. So the
		// rebuilds go on until one hits for every function; one that
		// never does means the cache cannot keep this state.
		prevStored = false
		for try := 1; try <= maxRebuilds; try++ {
			again := site.build(destCached, withCache)
			if diffs := differences(again, coldOut); len(diffs) > 0 {
				fail(step, desc, "rebuild %d with the cache differs from the cold build:\n%s", try, strings.Join(diffs, "\n"))
			}
			ag := *again.cache
			if ag.Hits+ag.Misses != again.built() || again.cachedFlag != ag.Hits {
				fail(step, desc, "rebuild %d: %d functions built, %d marked Cached, but %d hits and %d misses", try, again.built(), again.cachedFlag, ag.Hits, ag.Misses)
			}
			if try == 1 {
				if gap < settled {
					quick++
					quickBuilt += st.Misses
					quickUnstored += ag.Misses
				} else {
					slowBuilt += st.Misses
					slowUnstored += ag.Misses
				}
			}
			if ag.Misses == 0 {
				prevStored = true
				break
			}
			t.Logf("step %d: rebuild %d with nothing changed: %d hits, %d misses", step, try, ag.Hits, ag.Misses)
		}
		if !prevStored {
			unkept++
		}
		prevFailed = coldOut.Err != ""
		if prevFailed {
			failing++
		}
		history = append(history, cloneState(site.state))
	}
	t.Logf("%d hits, %d misses over %d steps (%d failing the same way with and without the cache); %d touches, %d after a stored state, all hit for every function", hits, misses, steps+1, failing, touches, checkedTouches)
	t.Logf("cached builds less than %s after the edit: %d, building %d functions, of which %d were not stored; later ones built %d, of which %d were not stored; %d states not kept after %d rebuilds", settled, quick, quickBuilt, quickUnstored, slowBuilt, slowUnstored, unkept, maxRebuilds)
	if hits == 0 {
		t.Fatal("the cache never hit: the test proves nothing")
	}
	if checkedTouches == 0 {
		t.Fatalf("no touch step followed a state the cache kept (%d touches, %d states not kept): use more -equiv.steps", touches, unkept)
	}
	if unkept > (steps+1)/4 {
		t.Fatalf("the cache kept no complete build of %d of the %d states, even after %d rebuilds with nothing changed", unkept, steps+1, maxRebuilds)
	}
}
