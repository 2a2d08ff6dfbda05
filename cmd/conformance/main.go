// Command conformance builds sites with both the reference
// zip-it-and-ship-it and zisi and compares the results function by
// function: name, runtime, invocation mode, schedule, routes, display
// name, generator, the manifest keys present and the set of archive
// entries (the reference's telemetry file aside). A site with a Netlify
// Server (netlify/server, or conformance.json's "server") has it built by
// both tools and compared too, as one more line, SITE/server (server.go). Known, intentional
// differences are listed in differences.json with their reasons; any
// other difference fails. The last line is "N passed, M failed".
//
// A site may hold a conformance.json (flags.go): configuration that
// netlify.toml cannot carry, such as nodeModuleFormat, and runs, each a
// build of the site with its feature flags by both tools (in either
// mode), compared also on outputModuleFormat, entryFilename,
// bundlerReason, the module syntax of each JavaScript entry and, when
// asked for, the telemetry file; a run may expect named functions to
// fail in both.
//
//	go run ./cmd/conformance [-reference DIR] [-repository-root DIR] SITE_DIR...
//	go run ./cmd/conformance [-reference DIR] -corpus BUILD_REPO [FIXTURE...]
//
// With -repository-root (a monorepo's top), both tools are given it as
// the repository root of every site, as Netlify Build gives the
// reference its repositoryRoot.
//
// With -corpus, every folder of the reference's own test fixtures
// (packages/zip-it-and-ship-it/tests/fixtures and fixtures-esm in a
// checkout of netlify/build) is a site, built from inside that folder: the
// folder is the source folder unless the reference's tests use others
// (corpus.go), and it is the reference's basePath and repositoryRoot.
// Both tools must also find the same functions. Functions the reference
// fails on are listed apart ("reference errors: N"), not counted.
//
// A site with generated functions (.netlify/functions-internal or
// .netlify/v1/functions) or a Frameworks API config.json is built the way
// Netlify Build builds it (site.go): one zipFunctions call over the
// generated and user folders for the reference, bundler.LoadSite and
// ZipSources for zisi, with the same configuration, and the result fields
// (priority, generator, module format, which source won a name) and both
// manifests compared as well. -mode site or -mode functions forces one
// mode for every site.
package main

import (
	"archive/zip"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/zisi-build/zisi/bundler"
	"github.com/zisi-build/zisi/config"
	"github.com/zisi-build/zisi/internal/discover"
	"github.com/zisi-build/zisi/internal/verify"
	"github.com/zisi-build/zisi/manifest"
)

//go:embed reference.mjs
var driver []byte

//go:embed differences.json
var differencesJSON []byte

// difference is one intentional, documented difference.
type difference struct {
	Scenario string `json:"scenario"`
	Function string `json:"function"`
	// Kind is "reference-error" (the reference fails, zisi builds),
	// "build" (zisi refuses what the reference builds), "entries" (archive
	// contents differ), "field:<name>" (a manifest field), "result:<name>"
	// (a result field, Netlify Build mode and runs with feature flags), "discovery" (another file
	// wins a name), or "load" (the archive, the same as
	// the reference's, does not load in node). A kind covers the kinds it
	// prefixes (onlyKind): "entries:telemetry", the server's telemetry
	// file alone, is narrower than "entries".
	Kind   string `json:"kind"`
	Reason string `json:"reason"`
	Readme string `json:"readme"`
}

// implemented lists the reference bundlers whose functions zisi can build
// in this release; functions the reference bundles otherwise are listed as
// not compared.
var implemented = []string{"zisi", "none", "esbuild", "nft", ""}

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("conformance", flag.ContinueOnError)
	fl.SetOutput(stderr)
	refDir := fl.String("reference", ".cache/reference", "directory where @netlify/zip-it-and-ship-it is installed")
	verbose := fl.Bool("v", false, "print passing functions too")
	load := fl.Bool("verify", true, "also load every compared zisi archive in node (zisi verify) and fail on load errors")
	nodeBundler := fl.String("node-bundler", "", `run both tools with this node_bundler for every function ("esbuild" for the benchmark's esbuild mode)`)
	corpus := fl.String("corpus", "", "a checkout of netlify/build: compare every fixture of the reference's own tests (arguments, if any, select fixtures by name)")
	jobs := fl.Int("j", 2, "fixtures compared at once with -corpus")
	repoRoot := fl.String("repository-root", "", "the repository root of every SITE_DIR (a monorepo's top), given to both tools")
	mode := fl.String("mode", "auto", `how the reference is driven: "functions" (one zipFunctions call per function), "site" (one call as Netlify Build makes it) or "auto" (site for sites with generated functions)`)
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if !slices.Contains([]string{"auto", "site", "functions"}, *mode) {
		fmt.Fprintf(stderr, "conformance: -mode %q: want auto, site or functions\n", *mode)
		return 2
	}
	var diffs []difference
	if err := json.Unmarshal(differencesJSON, &diffs); err != nil {
		fmt.Fprintf(stderr, "conformance: differences.json: %v\n", err)
		return 2
	}
	ref, err := filepath.Abs(*refDir)
	if err != nil {
		fmt.Fprintln(stderr, "conformance:", err)
		return 2
	}
	opts := compareOptions{ref: ref, diffs: diffs, verbose: *verbose, load: *load}
	var total tally
	if *corpus != "" {
		if *nodeBundler != "" {
			fmt.Fprintln(stderr, "conformance: -node-bundler does not apply to -corpus")
			return 2
		}
		t, err := runCorpus(ctx, *corpus, fl.Args(), *jobs, opts, stdout)
		if err != nil {
			fmt.Fprintln(stderr, "conformance:", err)
			return 1
		}
		total.add(t)
	}
	for _, site := range fl.Args() {
		if *corpus != "" {
			break // the arguments name fixtures
		}
		jobs, err := siteJobs(site, *nodeBundler)
		if err != nil {
			fmt.Fprintf(stderr, "conformance: %s: %v\n", site, err)
			return 1
		}
		for _, job := range jobs {
			if *repoRoot != "" {
				if err := job.setRoot(*repoRoot); err != nil {
					fmt.Fprintf(stderr, "conformance: %s: %v\n", site, err)
					return 1
				}
			}
			job.netlifyBuild = *mode == "site" || *mode == "auto" && hasGenerated(job.base)
			if job.netlifyBuild && *nodeBundler != "" {
				fmt.Fprintf(stderr, "conformance: %s: -node-bundler does not apply to a site built in Netlify Build mode\n", site)
				return 2
			}
			t, err := compareJob(ctx, job, opts, stdout)
			if err != nil {
				fmt.Fprintf(stderr, "conformance: %s: %v\n", job.scenario, err)
				return 1
			}
			total.add(t)
			if job.server == "" {
				continue
			}
			if t, err = compareServer(ctx, job, opts, stdout); err != nil {
				fmt.Fprintf(stderr, "conformance: %s/%s: %v\n", job.scenario, serverFunction, err)
				return 1
			}
			total.add(t)
		}
	}
	fmt.Fprintf(stdout, "%d intentional differences (differences.json), %d functions not compared (bundler not in this release)\n", total.intentional, total.skipped)
	if *corpus != "" {
		fmt.Fprintf(stdout, "reference errors: %d\n", total.refErrors)
	}
	if refSize, zisiSize := sizes.totals(); refSize > 0 {
		fmt.Fprintf(stdout, "shared entries compressed: reference %d bytes, zisi %d bytes (zisi/reference %.3f)\n", refSize, zisiSize, float64(zisiSize)/float64(refSize))
	}
	fmt.Fprintf(stdout, "%d passed, %d failed\n", total.passed, total.failed)
	if total.failed > 0 {
		return 1
	}
	return 0
}

type tally struct{ passed, failed, intentional, skipped, refErrors int }

// record counts one compared function and prints its line: DIFF when
// every problem is of the kind an entry of differences.json accepts, FAIL
// with the problems, else PASS (with pass after the name, verbose only).
func (t *tally) record(out io.Writer, name string, problems []problem, d *difference, verbose bool, pass string) {
	switch {
	case len(problems) > 0 && d != nil && d.Kind != "reference-error" && onlyKind(problems, d.Kind):
		t.intentional++
		t.passed++
		fmt.Fprintf(out, "DIFF  %s: intentional: %s\n", name, d.Reason)
	case len(problems) > 0:
		t.failed++
		fmt.Fprintf(out, "FAIL  %s:\n", name)
		for _, p := range problems {
			fmt.Fprintf(out, "        %s\n", p.text)
		}
	default:
		t.passed++
		if verbose {
			fmt.Fprintf(out, "PASS  %s%s\n", name, pass)
		}
	}
}

func (t *tally) add(o tally) {
	t.passed += o.passed
	t.failed += o.failed
	t.intentional += o.intentional
	t.skipped += o.skipped
	t.refErrors += o.refErrors
}

type refOutput struct {
	Path     string         `json:"path"`
	Result   map[string]any `json:"result"`
	Manifest map[string]any `json:"manifest"`
	Error    string         `json:"error"`
	// Unlisted is set, in corpus mode, for a function zisi found that the
	// reference's listFunctions does not: it was not built.
	Unlisted bool `json:"unlisted"`
}

// refAnswer is what reference.mjs prints.
type refAnswer struct {
	Results []refOutput `json:"results"`
	// Listed are the functions the reference's listFunctions finds in the
	// source folders (corpus mode only).
	Listed    []listedFunction `json:"listed"`
	ListError string           `json:"listError"`
}

type listedFunction struct {
	Name     string `json:"name"`
	MainFile string `json:"mainFile"`
}

// job is one site to build with both tools.
type job struct {
	// scenario names the site in output and in differences.json.
	scenario string
	// base is the site's base directory: zisi's BasePath, the reference's
	// basePath, and the directory node starts in.
	base    string
	srcDirs []string
	cfg     *config.Config
	// root is the repository root both tools are given (-repository-root);
	// the base directory when empty.
	root string
	// corpus is set for the reference's own fixtures: the reference is
	// also given repositoryRoot, both tools must find the same functions,
	// the reference's failures are counted apart, and a zisi archive that
	// does not load fails only when the reference's does.
	corpus bool
	// netlifyBuild builds the site as Netlify Build does (site.go).
	netlifyBuild bool
	// extra are the patterns of the site's conformance.json, after
	// netlify.toml's (already in cfg; Netlify Build mode, which reads the
	// site's configuration itself, adds them to it).
	extra []config.Pattern
	// flags are the feature flags both tools get (a run of the site's
	// conformance.json); nil for none. With flags set, the results'
	// outputModuleFormat, entryFilename and bundlerReason and the module
	// syntax of every shared JavaScript entry are compared too, and a
	// zisi archive that does not load fails only when the reference's
	// does.
	flags map[string]bool
	// errors maps functions both tools must fail on to a text both
	// errors contain ("server" for the server).
	errors map[string]string
	// server is the site's Netlify Server (its folder or entry file),
	// built by both tools after the functions (server.go); "" for none.
	server string
}

type compareOptions struct {
	ref           string
	diffs         []difference
	verbose, load bool
}

// setRoot makes root (absolute, holding the site) the job's repository
// root, and names the scenario after the site's place in it.
func (j *job) setRoot(root string) error {
	abs, err := filepath.Abs(root)
	if err != nil {
		return err
	}
	rel, err := filepath.Rel(abs, j.base)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return fmt.Errorf("repository root %s does not hold the site %s", abs, j.base)
	}
	j.root = abs
	j.scenario = filepath.ToSlash(filepath.Join(filepath.Base(abs), rel)) + strings.TrimPrefix(j.scenario, filepath.Base(j.base))
	return nil
}

// siteJob reads a site's netlify.toml (if any) into a job; nodeBundler,
// when set, overrides every function's node_bundler.
func siteJob(site, nodeBundler string) (job, error) {
	site, err := filepath.Abs(site)
	if err != nil {
		return job{}, err
	}
	j := job{scenario: filepath.Base(site), base: site}
	cfg := &config.File{BaseDir: site}
	if _, err := os.Stat(filepath.Join(site, "netlify.toml")); err == nil {
		if cfg, err = config.Load(filepath.Join(site, "netlify.toml")); err != nil {
			return j, err
		}
	}
	if nodeBundler != "" {
		// netlify.toml's "esbuild" is esbuild with the zisi fallback.
		nb := nodeBundler
		if nb == config.BundlerEsbuild {
			nb = config.BundlerEsbuildZisi
		}
		for i := range cfg.Functions.Patterns {
			cfg.Functions.Patterns[i].Config.NodeBundler = nb
		}
		cfg.Functions.Patterns = append(cfg.Functions.Patterns, config.Pattern{Glob: "*", Config: config.FunctionConfig{NodeBundler: nb}, Order: len(cfg.Functions.Patterns)})
		j.scenario += "@" + nodeBundler
	}
	src := cfg.FunctionsDirectory
	if src == "" {
		src = filepath.Join(site, config.DefaultFunctionsDirectory)
	}
	j.srcDirs = []string{src}
	j.cfg = &cfg.Functions
	return j, nil
}

func compareJob(ctx context.Context, j job, o compareOptions, out io.Writer) (tally, error) {
	if j.server != "" && !slices.ContainsFunc(j.srcDirs, exists) {
		// A site with a server and no functions folder: only the
		// server is compared.
		return tally{}, nil
	}
	if j.netlifyBuild {
		return compareSite(ctx, j, o, out)
	}
	var t tally
	tmp, err := os.MkdirTemp("", "zisi-conformance-")
	if err != nil {
		return t, err
	}
	defer os.RemoveAll(tmp)

	zopts := bundler.Options{Config: j.cfg, BasePath: j.base, RepositoryRoot: j.root, FeatureFlags: j.flags}
	rep, err := bundler.ZipFunctions(ctx, j.srcDirs, filepath.Join(tmp, "zisi"), zopts)
	var be *bundler.BuildError
	if err != nil && !errors.As(err, &be) {
		return t, err
	}
	ours := map[string]*bundler.FunctionResult{}
	for i := range rep.Functions {
		ours[rep.Functions[i].Name] = &rep.Functions[i]
	}
	oursErr := map[string]error{}
	for _, f := range rep.Failures {
		oursErr[f.Name] = f
	}

	found, err := discover.Discover(ctx, j.srcDirs, discover.Options{})
	if err != nil {
		return t, err
	}
	fns := discover.Dedupe(found.Functions)
	if be != nil {
		// A failed build publishes nothing: build the functions that
		// succeeded again, one by one, to compare their archives.
		for _, fn := range fns {
			if r := ours[fn.Name]; r != nil {
				res, err := bundler.ZipFunction(ctx, fn.SrcPath, filepath.Join(tmp, "zisi"), zopts)
				if err != nil {
					return t, fmt.Errorf("rebuild %s alone: %w", fn.Name, err)
				}
				ours[fn.Name] = res
			}
		}
	}
	ans, err := runReference(ctx, o.ref, j, fns, tmp)
	if err != nil {
		return t, err
	}
	var mainFiles map[string]problem
	if j.corpus {
		var lt tally
		lt, mainFiles = compareListed(j.scenario, ans, fns, out)
		t.add(lt)
	}
	for i, fn := range fns {
		name := j.scenario + "/" + fn.Name
		r := ans.Results[i]
		d := findDifference(o.diffs, j.scenario, fn.Name)
		bundlerName, _ := r.Result["bundler"].(string)
		if want, ok := j.errors[fn.Name]; ok {
			if p := bothFail(want, r.Error, oursErr[fn.Name]); p != "" {
				t.failed++
				fmt.Fprintf(out, "FAIL  %s: %s\n", name, p)
				continue
			}
			t.passed++
			if o.verbose {
				fmt.Fprintf(out, "PASS  %s (both fail: %q)\n", name, want)
			}
			continue
		}
		switch {
		case r.Unlisted:
			t.failed++
			fmt.Fprintf(out, "FAIL  %s: zisi builds %s, which the reference's listFunctions does not find\n", name, fn.SrcPath)
			continue
		case r.Error != "" && d != nil && d.Kind == "reference-error":
			t.intentional++
			t.passed++
			fmt.Fprintf(out, "DIFF  %s: intentional: %s\n", name, d.Reason)
			continue
		case r.Error != "" && j.corpus:
			t.refErrors++
			zisi := "zisi builds it"
			if ours[fn.Name] == nil {
				zisi = fmt.Sprintf("zisi fails too: %s", firstLine(fmt.Sprint(oursErr[fn.Name])))
			}
			fmt.Fprintf(out, "REF   %s: the reference fails: %.300s; %.300s\n", name, oneLine(r.Error), zisi)
			continue
		case r.Error != "":
			t.failed++
			fmt.Fprintf(out, "FAIL  %s: the reference failed: %s\n", name, firstLine(r.Error))
			continue
		case !slices.Contains(implemented, bundlerName):
			t.skipped++
			if o.verbose {
				fmt.Fprintf(out, "SKIP  %s: reference bundler %q, runtime %s not in this release\n", name, bundlerName, fn.Runtime)
			}
			continue
		}
		problems := compareFunction(r, ours[fn.Name], oursErr[fn.Name], nil, j.flags)
		if j.flags != nil && ours[fn.Name] != nil {
			problems = append(problems, compareFlagResults(r.Result, ours[fn.Name])...)
		}
		if p, ok := mainFiles[fn.Name]; ok {
			problems = append([]problem{p}, problems...)
		}
		note := ""
		if o.load && len(problems) == 0 {
			problems, note = loadsLike(ctx, ours[fn.Name], r, j.corpus || j.flags != nil)
		}
		t.record(out, name, problems, d, o.verbose, note)
	}
	return t, nil
}

// compareListed fails the functions the reference finds and zisi does not
// (those zisi finds and the reference does not come back Unlisted), and
// returns, by name, the functions whose main file differs. listFunctions
// returns every candidate, in the order whose last entry for a name is
// the one zipFunctions builds.
func compareListed(scenario string, ans refAnswer, fns []discover.Function, out io.Writer) (tally, map[string]problem) {
	var t tally
	if ans.ListError != "" {
		// The functions are still built one by one, where the same error
		// shows; only the comparison of the two sets is lost.
		fmt.Fprintf(out, "NOTE  %s: the reference's listFunctions fails (%s); the sets of functions are not compared\n", scenario, firstLine(ans.ListError))
		return t, nil
	}
	var names []string
	winner := map[string]string{}
	for _, l := range ans.Listed {
		if _, ok := winner[l.Name]; !ok {
			names = append(names, l.Name)
		}
		winner[l.Name] = l.MainFile
	}
	mainFiles := map[string]problem{}
	for _, name := range names {
		i := slices.IndexFunc(fns, func(f discover.Function) bool { return f.Name == name })
		switch {
		case i < 0:
			t.failed++
			fmt.Fprintf(out, "FAIL  %s/%s: the reference finds %s, zisi does not\n", scenario, name, winner[name])
		case fns[i].MainFile != winner[name]:
			mainFiles[name] = problem{"discovery", fmt.Sprintf("main file: reference %s, zisi %s", winner[name], fns[i].MainFile)}
		}
	}
	return t, mainFiles
}

// referenceConfig turns the patterns into the reference's config object:
// the same camelCase keys Netlify Build passes it.
func referenceConfig(c *config.Config) map[string]config.FunctionConfig {
	out := map[string]config.FunctionConfig{}
	for _, p := range c.Patterns {
		out[p.Glob] = config.Merge(out[p.Glob], p.Config)
	}
	return out
}

func runReference(ctx context.Context, ref string, j job, fns []discover.Function, tmp string) (refAnswer, error) {
	var ans refAnswer
	if _, err := os.Stat(filepath.Join(ref, "node_modules/@netlify/zip-it-and-ship-it/package.json")); err != nil {
		return ans, fmt.Errorf("the reference is not installed in %s (make conformance installs it)", ref)
	}
	type jobFn struct {
		Name string `json:"name"`
		Path string `json:"path"`
		Dest string `json:"dest"`
	}
	in := struct {
		Site           string                           `json:"site"`
		RepositoryRoot string                           `json:"repositoryRoot,omitempty"`
		List           []string                         `json:"list,omitempty"`
		Config         map[string]config.FunctionConfig `json:"config"`
		FeatureFlags   map[string]bool                  `json:"featureFlags,omitempty"`
		Functions      []jobFn                          `json:"functions"`
	}{Site: j.base, Config: referenceConfig(j.cfg), FeatureFlags: j.flags, Functions: []jobFn{}}
	if j.corpus {
		in.RepositoryRoot = j.base
		in.List = j.srcDirs
	}
	if j.root != "" {
		in.RepositoryRoot = j.root
	}
	for i, fn := range fns {
		in.Functions = append(in.Functions, jobFn{Name: fn.Name, Path: fn.SrcPath, Dest: filepath.Join(tmp, "ref", fmt.Sprint(i))})
	}
	// Start in the site, as Netlify Build does: the reference's esbuild
	// paths are relative to the directory node started in.
	if err := runNode(ctx, ref, tmp, j.base, in, &ans, "the reference"); err != nil {
		return ans, err
	}
	if len(ans.Results) != len(fns) {
		return ans, fmt.Errorf("the reference answered for %d of %d functions", len(ans.Results), len(fns))
	}
	return ans, nil
}

// loadsLike runs loads on zisi's archive; when lenient (the reference's
// own fixtures, or flag runs, where the fixture itself may not load: a
// package that throws at require time, CommonJS in an ESM scope) and it
// does not load, only a zisi archive that fails where the reference's
// loads is a difference, and note says why neither loads.
func loadsLike(ctx context.Context, ours *bundler.FunctionResult, r refOutput, lenient bool) (problems []problem, note string) {
	problems = loads(ctx, ours)
	if len(problems) > 0 && lenient {
		if refErr := referenceLoads(ctx, r); refErr != "" {
			return nil, " (neither archive loads: " + refErr + ")"
		}
	}
	return problems, ""
}

// loads runs zisi verify on one archive: it must load in node and its
// handler must answer without a missing module.
func loads(ctx context.Context, r *bundler.FunctionResult) []problem {
	entry, err := r.ManifestEntry()
	if err != nil {
		return []problem{{"load", err.Error()}}
	}
	res, err := verify.Functions(ctx, []manifest.Function{entry}, verify.Options{Invoke: true})
	if err != nil {
		return []problem{{"load", err.Error()}}
	}
	if !res[0].OK {
		return []problem{{"load", "zisi's archive does not load: " + firstLine(res[0].Error)}}
	}
	return nil
}

// referenceLoads runs zisi verify on the reference's archive; it returns
// why it does not load, or "" when it does.
func referenceLoads(ctx context.Context, r refOutput) string {
	data, _ := json.Marshal(r.Manifest)
	var entry manifest.Function
	if err := json.Unmarshal(data, &entry); err != nil {
		return ""
	}
	res, err := verify.Functions(ctx, []manifest.Function{entry}, verify.Options{Invoke: true})
	if err != nil || res[0].OK {
		return ""
	}
	return firstLine(res[0].Error)
}

type problem struct {
	kind string // "build", "discovery", "entries", "load", "field:<name>" or "result:<name>"
	text string
}

// onlyKind reports whether every problem is of the listed kind; "field"
// covers every manifest field ("field:routes", "field:keys", …) and the
// result fields that repeat them ("result:routes", …), "result" only the
// latter.
func onlyKind(ps []problem, kind string) bool {
	for _, p := range ps {
		switch {
		case p.kind == kind, strings.HasPrefix(p.kind, kind+":"):
		case kind == "field" && strings.HasPrefix(p.kind, "result:"):
		default:
			return false
		}
	}
	return true
}

// compared are the manifest fields that must match.
var compared = []string{"name", "bundler", "runtime", "invocationMode", "schedule", "routes", "excludedRoutes", "displayName", "generator", "priority"}

// compareFunction compares the reference's manifest entry and archive with
// zisi's; mine is zisi's manifest entry as written, or nil to take it from
// the result. With flags (a run with feature flags, even none), archives
// with the same entries are compared inside too (compareContents), the
// telemetry file included when the flags ask zisi for it.
func compareFunction(r refOutput, ours *bundler.FunctionResult, oursErr error, mine map[string]any, flags map[string]bool) []problem {
	if ours == nil {
		return []problem{{"build", fmt.Sprintf("zisi failed where the reference built it: %v", oursErr)}}
	}
	if mine == nil {
		entry, err := ours.ManifestEntry()
		if err != nil {
			return []problem{{"build", err.Error()}}
		}
		data, _ := json.Marshal(entry)
		json.Unmarshal(data, &mine)
	}
	var ps []problem
	for _, k := range compared {
		if !reflect.DeepEqual(normalize(r.Manifest[k]), normalize(mine[k])) {
			msg := fmt.Sprintf("%s: reference %v, zisi %v", k, r.Manifest[k], mine[k])
			if errs, ok := r.Result["bundlerErrors"]; ok && k == "bundler" {
				data, _ := json.Marshal(errs)
				msg += fmt.Sprintf(" (the reference's esbuild errors: %.300s)", data)
			}
			ps = append(ps, problem{"field:" + k, msg})
		}
	}
	if a, b := keys(r.Manifest), keys(mine); !slices.Equal(a, b) {
		ps = append(ps, problem{"field:keys", fmt.Sprintf("manifest keys: reference %v, zisi %v", a, b)})
	}
	refPath, _ := r.Result["path"].(string)
	if strings.HasSuffix(refPath, ".zip") {
		// The reference adds its telemetry file by default, zisi only when
		// asked: it is compared when the run asks for it.
		withTelemetry := flags[bundler.FlagAddInstrumentationLoader]
		a, errA := entries(refPath, withTelemetry)
		b, errB := entries(ours.Path, withTelemetry)
		switch {
		case errA != nil || errB != nil:
			ps = append(ps, problem{"entries", fmt.Sprintf("read archives: %v %v", errA, errB)})
		case !slices.Equal(a, b):
			ps = append(ps, problem{"entries", fmt.Sprintf("entries: only in the reference %v; only in zisi %v", minus(a, b), minus(b, a))})
		case flags != nil:
			ps = append(ps, compareContents(refPath, ours.Path, a, withTelemetry)...)
		}
		sizes.add(refPath, ours.Path)
	}
	return ps
}

// sizes totals the compressed size of the entries both tools wrote
// (same archive, same name): the like-for-like measure of archive size.
var sizes sharedSizes

type sharedSizes struct {
	mu              sync.Mutex
	reference, zisi int64
}

// totals returns the sizes added so far, read under the lock: tests call
// run concurrently.
func (s *sharedSizes) totals() (reference, zisi int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reference, s.zisi
}

func (s *sharedSizes) add(refPath, oursPath string) {
	ref, err1 := compressedSizes(refPath)
	ours, err2 := compressedSizes(oursPath)
	if err1 != nil || err2 != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for name, n := range ref {
		if m, ok := ours[name]; ok {
			s.reference += n
			s.zisi += m
		}
	}
}

func compressedSizes(path string) (map[string]int64, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	out := map[string]int64{}
	for _, f := range zr.File {
		out[f.Name] = int64(f.CompressedSize64)
	}
	return out, nil
}

// normalize makes empty values compare equal to absent ones.
func normalize(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		if len(x) == 0 {
			return nil
		}
	case string:
		if x == "" {
			return nil
		}
	}
	return v
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// telemetry is added to every reference archive by default, and to zisi's
// only with zisi_add_instrumentation_loader.
const telemetry = "___netlify-telemetry.mjs"

// entries lists an archive's entry names, sorted, the telemetry file only
// when withTelemetry is set.
func entries(path string, withTelemetry bool) ([]string, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	var out []string
	for _, f := range zr.File {
		if withTelemetry || f.Name != telemetry {
			out = append(out, f.Name)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func minus(a, b []string) []string {
	var out []string
	for _, x := range a {
		if _, found := slices.BinarySearch(b, x); !found {
			out = append(out, x)
		}
	}
	if len(out) > 10 {
		return append(out[:10], fmt.Sprintf("… %d more", len(out)-10))
	}
	return out
}

func findDifference(diffs []difference, scenario, fn string) *difference {
	for i := range diffs {
		if diffs[i].Scenario == scenario && diffs[i].Function == fn {
			return &diffs[i]
		}
	}
	return nil
}

// oneLine joins a message's lines, for errors whose first line says only
// where ("In file …").
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// exists reports whether p exists.
func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

// runNode runs reference.mjs (written into tmp) with node in dir,
// the job as JSON on its stdin, and decodes its stdout into out; what
// names the call in errors.
func runNode(ctx context.Context, ref, tmp, dir string, job, out any, what string) error {
	input, err := json.Marshal(job)
	if err != nil {
		return err
	}
	script := filepath.Join(tmp, "reference.mjs")
	if err := os.WriteFile(script, driver, 0o644); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "node", script, ref)
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(input)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("run %s: %w: %s", what, err, strings.TrimSpace(stderr.String()))
	}
	if err := json.Unmarshal(stdout.Bytes(), out); err != nil {
		return fmt.Errorf("read %s's output: %w", what, err)
	}
	return nil
}

// resultMap is a zisi result as the JSON object the reference's results
// are compared with.
func resultMap(ours *bundler.FunctionResult) (map[string]any, []problem) {
	data, err := json.Marshal(ours)
	if err != nil {
		return nil, []problem{{"build", err.Error()}}
	}
	var mine map[string]any
	if err := json.Unmarshal(data, &mine); err != nil {
		return nil, []problem{{"build", err.Error()}}
	}
	return mine, nil
}
