package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/zisi-build/zisi/bundler"
	"github.com/zisi-build/zisi/config"
)

// Netlify Build mode: a site is built the way Netlify Build builds it
// (packages/build/src/plugins_core/functions), with one zipFunctions call
// over generated and user folders on the reference's side and
// bundler.LoadSite with ZipSources on zisi's.

// buildBranch and buildFlags are what both tools are given as Netlify
// Build gives them: the branch being deployed, and the feature flags
// getZisiFeatureFlags passes with Netlify Build's defaults (its own build
// flags aside, which the reference does not read).
const buildBranch = "main"

var buildFlags = map[string]bool{bundler.FlagTraceWithNft: false}

// hasGenerated reports whether a site has a folder of generated functions
// (or Frameworks API configuration): such sites are built in Netlify Build
// mode unless -mode says otherwise.
func hasGenerated(site string) bool {
	dirs := []string{bundler.InternalFunctionsDir, bundler.FrameworksFunctionsDir}
	dirs = append(dirs, config.FrameworksConfigPaths...)
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(site, d)); err == nil {
			return true
		}
	}
	return false
}

// siteAnswer is what reference.mjs prints for a Netlify Build mode job.
type siteAnswer struct {
	Results  []map[string]any `json:"results"`
	Manifest struct {
		Functions []map[string]any `json:"functions"`
	} `json:"manifest"`
	Error string `json:"error"`
}

// buildConfig is the reference's config object as Netlify Build's
// normalizeFunctionConfig writes it: the merged netlify.toml and
// Frameworks API patterns, each with includedFilesBasePath set to the
// site and zipGo on (a local build); a "*" pattern is always present, as
// @netlify/config always gives one.
func buildConfig(c *config.Config, base string) (map[string]map[string]any, error) {
	out := map[string]map[string]any{"*": {}}
	if c == nil {
		c = &config.Config{} // a site with neither netlify.toml nor config.json
	}
	for glob, fc := range referenceConfig(c) {
		data, err := json.Marshal(fc)
		if err != nil {
			return nil, err
		}
		m := map[string]any{}
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, err
		}
		out[glob] = m
	}
	for _, m := range out {
		m["includedFilesBasePath"] = base
		m["zipGo"] = true
	}
	return out, nil
}

// compareSite builds j's site with both tools in Netlify Build mode and
// compares every function: the fields compareFunction compares, the
// result fields of resultCompared, which source won a name both folders
// have (mainFile), and each tool's manifest.json entry. Both tools get
// the same options: the site's configuration with conformance.json's
// patterns after it, the repository root (-repository-root, else the
// site: the fixtures live inside zisi's repository), and Netlify Build's
// default feature flags under the run's.
func compareSite(ctx context.Context, j job, o compareOptions, out io.Writer) (tally, error) {
	var t tally
	tmp, err := os.MkdirTemp("", "zisi-conformance-")
	if err != nil {
		return t, err
	}
	defer os.RemoveAll(tmp)

	site, err := bundler.LoadSite(j.base)
	if err != nil {
		return t, err
	}
	opts := site.Options
	if len(j.extra) > 0 {
		opts.Config = withPatterns(opts.Config, j.extra)
	}
	opts.RepositoryRoot = j.base
	if j.root != "" {
		opts.RepositoryRoot = j.root
	}
	opts.FeatureFlags = runFlags(buildFlags, j.flags)
	opts.Branch = buildBranch
	z, err := zisiSite(ctx, site.Sources, filepath.Join(tmp, "zisi"), opts)
	if err != nil {
		return t, err
	}
	ans, err := runReferenceSite(ctx, o.ref, site.Sources, opts, filepath.Join(tmp, "ref"), tmp)
	if err != nil {
		return t, err
	}
	if ans.Error != "" {
		if len(j.errors) > 0 {
			return siteErrors(j, ans.Error, z, o.verbose, out), nil
		}
		t.failed++
		fmt.Fprintf(out, "FAIL  %s: the reference failed: %s\n", j.scenario, firstLine(ans.Error))
		return t, nil
	}
	refManifest := map[string]map[string]any{}
	for _, e := range ans.Manifest.Functions {
		name, _ := e["name"].(string)
		refManifest[name] = e
	}
	refResults := map[string]map[string]any{}
	names := z.names
	for _, r := range ans.Results {
		name, _ := r["name"].(string)
		refResults[name] = r
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)

	for _, fn := range names {
		name := j.scenario + "/" + fn
		r, ok := refResults[fn]
		if want, expected := j.errors[fn]; expected {
			// The reference built the whole site: it did not fail on fn.
			t.failed++
			fmt.Fprintf(out, "FAIL  %s: %s\n", name, bothFail(want, "", z.errs[fn]))
			continue
		}
		if !ok {
			t.failed++
			fmt.Fprintf(out, "FAIL  %s: zisi builds it, the reference does not\n", name)
			continue
		}
		bundlerName, _ := r["bundler"].(string)
		if !slices.Contains(implemented, bundlerName) {
			t.skipped++
			if o.verbose {
				fmt.Fprintf(out, "SKIP  %s: reference bundler %q not in this release\n", name, bundlerName)
			}
			continue
		}
		ref := refOutput{Result: r, Manifest: refManifest[fn]}
		problems := compareSiteFunction(j, ref, z, fn, filepath.Join(tmp, "ref"))
		note := ""
		if o.load && len(problems) == 0 {
			problems, note = loadsLike(ctx, z.results[fn], ref, j.flags != nil)
		}
		d := findDifference(o.diffs, j.scenario, fn)
		t.record(out, name, problems, d, o.verbose, fmt.Sprintf(" (%s, priority %v, generator %v, displayName %v, from %s)%s", bundlerName, r["priority"], r["generator"], r["displayName"], relTo(j.base, fmt.Sprint(r["mainFile"])), note))
	}
	return t, nil
}

// siteBuild is zisi's side of a Netlify Build mode comparison.
type siteBuild struct {
	dest    string
	results map[string]*bundler.FunctionResult
	errs    map[string]error
	// names are the functions zisi built or failed on.
	names []string
	// manifest is zisi's manifest.json by function name; empty when the
	// build failed, which publishes nothing.
	manifest map[string]map[string]any
	failed   bool
}

// zisiSite builds the site's sources into dest with zisi.
func zisiSite(ctx context.Context, src bundler.Sources, dest string, opts bundler.Options) (siteBuild, error) {
	z := siteBuild{dest: dest, results: map[string]*bundler.FunctionResult{}, errs: map[string]error{}, manifest: map[string]map[string]any{}}
	rep, err := bundler.ZipSources(ctx, src, dest, opts)
	var be *bundler.BuildError
	if err != nil && !errors.As(err, &be) {
		return z, err
	}
	z.failed = be != nil
	for i := range rep.Functions {
		z.results[rep.Functions[i].Name] = &rep.Functions[i]
		z.names = append(z.names, rep.Functions[i].Name)
	}
	for _, f := range rep.Failures {
		z.errs[f.Name] = f
		z.names = append(z.names, f.Name)
	}
	if !z.failed {
		if z.manifest, err = manifestEntries(filepath.Join(dest, "manifest.json")); err != nil {
			return z, err
		}
	}
	return z, nil
}

// compareSiteFunction compares function fn, which the reference built
// into refDest, with zisi's.
func compareSiteFunction(j job, ref refOutput, z siteBuild, fn, refDest string) []problem {
	ours, oursErr := z.results[fn], z.errs[fn]
	if ours == nil && oursErr == nil {
		return []problem{{"build", "the reference builds it, zisi does not find it"}}
	}
	var problems []problem
	mine := z.manifest[fn]
	if mine == nil && ours != nil && !z.failed {
		problems = append(problems, problem{"field:manifest", "missing from zisi's manifest.json"})
	}
	problems = append(problems, compareFunction(ref, ours, oursErr, mine, j.flags)...)
	if mine != nil {
		problems = append(problems, compareManifestPaths(ref.Manifest, mine, j.base, refDest, z.dest)...)
	}
	if ours != nil {
		problems = append(problems, compareResult(ref.Result, ours, j.base, j.flags != nil)...)
	}
	if z.failed && ours != nil {
		problems = append(problems, problem{"build", "another function failed, so zisi published nothing to compare"})
	}
	return problems
}

// siteErrors compares a Netlify Build mode run that expects functions to
// fail, where the reference's one zipFunctions call failed with refErr:
// each expected function must fail in zisi with its text, and refErr must
// hold it too, or another expected function's (the reference stops at its
// first failure). zisi must fail on no other function; the others are not
// compared, as neither tool publishes a failed build.
func siteErrors(j job, refErr string, z siteBuild, verbose bool, out io.Writer) tally {
	var t tally
	wants := slices.Sorted(maps.Values(j.errors))
	for _, fn := range slices.Sorted(maps.Keys(j.errors)) {
		name, want := j.scenario+"/"+fn, j.errors[fn]
		seen := refErr
		if !strings.Contains(refErr, want) && slices.ContainsFunc(wants, func(w string) bool { return strings.Contains(refErr, w) }) {
			seen = want // the reference stopped at another expected failure
		}
		if p := bothFail(want, seen, z.errs[fn]); p != "" {
			t.failed++
			fmt.Fprintf(out, "FAIL  %s: %s\n", name, p)
			continue
		}
		t.passed++
		if verbose {
			fmt.Fprintf(out, "PASS  %s (both fail: %q)\n", name, want)
		}
	}
	others := 0
	for _, fn := range z.names {
		_, expected := j.errors[fn]
		switch {
		case expected:
		case z.errs[fn] != nil:
			t.failed++
			fmt.Fprintf(out, "FAIL  %s/%s: zisi fails where no failure is expected: %s\n", j.scenario, fn, firstLine(z.errs[fn].Error()))
		default:
			others++
		}
	}
	if others > 0 && verbose {
		fmt.Fprintf(out, "NOTE  %s: the build fails as expected, so the other %d functions are not compared (neither tool publishes a failed build)\n", j.scenario, others)
	}
	return t
}

// resultCompared are the result fields (zipFunctions' return value) that
// must match in Netlify Build mode, besides the manifest's.
var resultCompared = []string{"name", "runtime", "bundler", "priority", "generator", "displayName", "routes", "excludedRoutes", "outputModuleFormat", "invocationMode", "schedule", "timeout", "runtimeAPIVersion"}

// compareResult compares the result fields of resultCompared (and of
// flagResults in a run with feature flags) and which file was built
// (mainFile, relative to the site).
func compareResult(ref map[string]any, ours *bundler.FunctionResult, base string, flagRun bool) []problem {
	mine, problems := resultMap(ours)
	if problems != nil {
		return problems
	}
	keys := resultCompared
	if flagRun {
		keys = slices.Clone(keys)
		for _, k := range flagResults {
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	ps := compareFields(ref, mine, keys)
	a, b := relTo(base, fmt.Sprint(ref["mainFile"])), relTo(base, ours.MainFile)
	if a != b {
		ps = append(ps, problem{"discovery", fmt.Sprintf("main file: reference %s, zisi %s", a, b)})
	}
	return ps
}

// compareManifestPaths compares the manifest entries' absolute paths made
// relative: mainFile to the site, path (the archive) to each tool's
// destination.
func compareManifestPaths(ref, mine map[string]any, base, refDest, zisiDest string) []problem {
	var ps []problem
	if a, b := relTo(base, fmt.Sprint(ref["mainFile"])), relTo(base, fmt.Sprint(mine["mainFile"])); a != b {
		ps = append(ps, problem{"field:mainFile", fmt.Sprintf("manifest mainFile: reference %s, zisi %s", a, b)})
	}
	if a, b := relTo(refDest, fmt.Sprint(ref["path"])), relTo(zisiDest, fmt.Sprint(mine["path"])); a != b {
		ps = append(ps, problem{"field:path", fmt.Sprintf("manifest path: reference %s, zisi %s", a, b)})
	}
	return ps
}

// manifestEntries reads a manifest.json's functions by name.
func manifestEntries(path string) (map[string]map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read zisi's manifest: %w", err)
	}
	var m struct {
		Functions []map[string]any `json:"functions"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("read %q: %w", path, err)
	}
	out := map[string]map[string]any{}
	for _, e := range m.Functions {
		name, _ := e["name"].(string)
		out[name] = e
	}
	return out, nil
}

// runReferenceSite makes the reference's zipFunctions call of Netlify
// Build (plugins_core/functions/index.ts and zisi.ts) with the options
// zisi was given: base path, repository root, branch, feature flags and
// configuration.
func runReferenceSite(ctx context.Context, ref string, src bundler.Sources, opts bundler.Options, dest, tmp string) (siteAnswer, error) {
	var ans siteAnswer
	if _, err := os.Stat(filepath.Join(ref, "node_modules/@netlify/zip-it-and-ship-it/package.json")); err != nil {
		return ans, fmt.Errorf("the reference is not installed in %s (make conformance installs it)", ref)
	}
	base := opts.BasePath
	refCfg, err := buildConfig(opts.Config, base)
	if err != nil {
		return ans, err
	}
	type sourceSet struct {
		Directories []string `json:"directories"`
	}
	in := struct {
		Site    string `json:"site"`
		Sources struct {
			Generated sourceSet `json:"generated"`
			User      sourceSet `json:"user"`
		} `json:"sources"`
		Dest    string                    `json:"dest"`
		Config  map[string]map[string]any `json:"config"`
		Options map[string]any            `json:"options"`
	}{Site: base, Dest: dest, Config: refCfg}
	// Netlify Build passes both generated folders whether or not they
	// exist; the reference skips a missing one.
	in.Sources.Generated.Directories = []string{filepath.Join(base, bundler.InternalFunctionsDir), filepath.Join(base, bundler.FrameworksFunctionsDir)}
	in.Sources.User.Directories = src.User.Directories
	in.Options = map[string]any{
		"basePath":              base,
		"branch":                opts.Branch,
		"manifest":              filepath.Join(dest, "manifest.json"),
		"featureFlags":          opts.FeatureFlags,
		"repositoryRoot":        opts.RepositoryRoot,
		"configFileDirectories": []string{filepath.Join(base, bundler.InternalFunctionsDir)},
	}
	if err := runNode(ctx, ref, tmp, base, in, &ans, "the reference"); err != nil {
		return ans, err
	}
	return ans, nil
}

// relTo returns path relative to base, with forward slashes.
func relTo(base, path string) string {
	if rel, err := filepath.Rel(base, path); err == nil {
		return filepath.ToSlash(rel)
	}
	return path
}

func jsonText(v any) string {
	data, _ := json.Marshal(v)
	return string(data)
}
