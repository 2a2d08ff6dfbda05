// Command conformance builds sites with both the reference
// zip-it-and-ship-it and zisi and compares the results function by
// function: name, runtime, invocation mode, schedule, routes, display
// name, generator, the manifest keys present and the set of archive
// entries (the reference's telemetry file aside). Known, intentional
// differences are listed in differences.json with their reasons; any
// other difference fails. The last line is "N passed, M failed".
//
//	go run ./cmd/conformance [-reference DIR] SITE_DIR...
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

	"github.com/zisi-build/zisi/bundler"
	"github.com/zisi-build/zisi/bundler/discover"
	"github.com/zisi-build/zisi/bundler/verify"
	"github.com/zisi-build/zisi/config"
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
	// "entries" (archive contents differ), "field:<name>", or "load" (the
	// archive, the same as the reference's, does not load in node).
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
	if err := fl.Parse(args); err != nil {
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
	var total tally
	for _, site := range fl.Args() {
		t, err := compareSite(ctx, site, ref, diffs, stdout, *verbose, *load, *nodeBundler)
		if err != nil {
			fmt.Fprintf(stderr, "conformance: %s: %v\n", site, err)
			return 1
		}
		total.add(t)
	}
	fmt.Fprintf(stdout, "%d intentional differences (differences.json), %d functions not compared (bundler not in this release)\n", total.intentional, total.skipped)
	fmt.Fprintf(stdout, "%d passed, %d failed\n", total.passed, total.failed)
	if total.failed > 0 {
		return 1
	}
	return 0
}

type tally struct{ passed, failed, intentional, skipped int }

func (t *tally) add(o tally) {
	t.passed += o.passed
	t.failed += o.failed
	t.intentional += o.intentional
	t.skipped += o.skipped
}

type refOutput struct {
	Path     string         `json:"path"`
	Result   map[string]any `json:"result"`
	Manifest map[string]any `json:"manifest"`
	Error    string         `json:"error"`
}

func compareSite(ctx context.Context, site, ref string, diffs []difference, out io.Writer, verbose, load bool, nodeBundler string) (tally, error) {
	var t tally
	site, err := filepath.Abs(site)
	if err != nil {
		return t, err
	}
	scenario := filepath.Base(site)
	cfg := &config.File{BaseDir: site}
	if _, err := os.Stat(filepath.Join(site, "netlify.toml")); err == nil {
		if cfg, err = config.Load(filepath.Join(site, "netlify.toml")); err != nil {
			return t, err
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
		scenario += "@" + nodeBundler
	}
	src := cfg.FunctionsDirectory
	if src == "" {
		src = filepath.Join(site, config.DefaultFunctionsDirectory)
	}
	tmp, err := os.MkdirTemp("", "zisi-conformance-")
	if err != nil {
		return t, err
	}
	defer os.RemoveAll(tmp)

	rep, err := bundler.ZipFunctions(ctx, []string{src}, filepath.Join(tmp, "zisi"), bundler.Options{Config: &cfg.Functions, BasePath: site})
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

	found, err := discover.Discover(ctx, []string{src}, discover.Options{})
	if err != nil {
		return t, err
	}
	fns := discover.Dedupe(found.Functions)
	refs, err := runReference(ctx, ref, site, referenceConfig(cfg), fns, tmp)
	if err != nil {
		return t, err
	}
	for i, fn := range fns {
		name := scenario + "/" + fn.Name
		r := refs[i]
		d := findDifference(diffs, scenario, fn.Name)
		bundlerName, _ := r.Result["bundler"].(string)
		switch {
		case r.Error != "" && d != nil && d.Kind == "reference-error":
			t.intentional++
			t.passed++
			fmt.Fprintf(out, "DIFF  %s: intentional: %s\n", name, d.Reason)
			continue
		case r.Error != "":
			t.failed++
			fmt.Fprintf(out, "FAIL  %s: the reference failed: %s\n", name, firstLine(r.Error))
			continue
		case !slices.Contains(implemented, bundlerName):
			t.skipped++
			if verbose {
				fmt.Fprintf(out, "SKIP  %s: reference bundler %q, runtime %s not in this release\n", name, bundlerName, fn.Runtime)
			}
			continue
		}
		problems := compareFunction(r, ours[fn.Name], oursErr[fn.Name])
		if load && len(problems) == 0 {
			problems = append(problems, loads(ctx, ours[fn.Name])...)
		}
		if len(problems) > 0 && d != nil && d.Kind != "reference-error" && onlyKind(problems, d.Kind) {
			t.intentional++
			t.passed++
			fmt.Fprintf(out, "DIFF  %s: intentional: %s\n", name, d.Reason)
			continue
		}
		if len(problems) > 0 {
			t.failed++
			fmt.Fprintf(out, "FAIL  %s:\n", name)
			for _, p := range problems {
				fmt.Fprintf(out, "        %s\n", p.text)
			}
			continue
		}
		t.passed++
		if verbose {
			fmt.Fprintf(out, "PASS  %s\n", name)
		}
	}
	return t, nil
}

// referenceConfig turns netlify.toml's patterns into the reference's
// config object: the same camelCase keys Netlify Build passes it.
func referenceConfig(f *config.File) map[string]config.FunctionConfig {
	out := map[string]config.FunctionConfig{}
	for _, p := range f.Functions.Patterns {
		out[p.Glob] = config.Merge(out[p.Glob], p.Config)
	}
	return out
}

func runReference(ctx context.Context, ref, site string, cfg map[string]config.FunctionConfig, fns []discover.Function, tmp string) ([]refOutput, error) {
	if _, err := os.Stat(filepath.Join(ref, "node_modules/@netlify/zip-it-and-ship-it/package.json")); err != nil {
		return nil, fmt.Errorf("the reference is not installed in %s (make conformance installs it)", ref)
	}
	type jobFn struct {
		Path string `json:"path"`
		Dest string `json:"dest"`
	}
	job := struct {
		Site      string                           `json:"site"`
		Config    map[string]config.FunctionConfig `json:"config"`
		Functions []jobFn                          `json:"functions"`
	}{Site: site, Config: cfg}
	for i, fn := range fns {
		job.Functions = append(job.Functions, jobFn{Path: fn.SrcPath, Dest: filepath.Join(tmp, "ref", fmt.Sprint(i))})
	}
	input, err := json.Marshal(job)
	if err != nil {
		return nil, err
	}
	script := filepath.Join(tmp, "reference.mjs")
	if err := os.WriteFile(script, driver, 0o644); err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, "node", script, ref)
	// Start in the site, as Netlify Build does: the reference's esbuild
	// paths are relative to the directory node started in.
	cmd.Dir = site
	cmd.Stdin = bytes.NewReader(input)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("run the reference: %v\n%s", err, stderr.String())
	}
	var outs []refOutput
	if err := json.Unmarshal(stdout.Bytes(), &outs); err != nil {
		return nil, fmt.Errorf("read the reference's output: %v", err)
	}
	if len(outs) != len(fns) {
		return nil, fmt.Errorf("the reference answered for %d of %d functions", len(outs), len(fns))
	}
	return outs, nil
}

// loads runs zisi verify on one archive: it must load in node and its
// handler must answer without a missing module.
func loads(ctx context.Context, r *bundler.FunctionResult) []problem {
	entry, err := r.ManifestEntry()
	if err != nil {
		return []problem{{"load", err.Error()}}
	}
	res, err := verify.Functions(ctx, []manifest.Function{entry}, verify.Options{})
	if err != nil {
		return []problem{{"load", err.Error()}}
	}
	if !res[0].OK {
		return []problem{{"load", "zisi's archive does not load: " + firstLine(res[0].Error)}}
	}
	return nil
}

type problem struct {
	kind string // "entries" or "field:<name>"
	text string
}

// onlyKind reports whether every problem is of the listed kind; "field"
// covers every manifest field ("field:routes", "field:keys", …).
func onlyKind(ps []problem, kind string) bool {
	for _, p := range ps {
		if p.kind != kind && !strings.HasPrefix(p.kind, kind+":") {
			return false
		}
	}
	return true
}

// compared are the manifest fields that must match.
var compared = []string{"name", "bundler", "runtime", "invocationMode", "schedule", "routes", "excludedRoutes", "displayName", "generator"}

func compareFunction(r refOutput, ours *bundler.FunctionResult, oursErr error) []problem {
	if ours == nil {
		return []problem{{"build", fmt.Sprintf("zisi failed where the reference built it: %v", oursErr)}}
	}
	entry, err := ours.ManifestEntry()
	if err != nil {
		return []problem{{"build", err.Error()}}
	}
	data, _ := json.Marshal(entry)
	var mine map[string]any
	json.Unmarshal(data, &mine)
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
		a, errA := entries(refPath)
		b, errB := entries(ours.Path)
		switch {
		case errA != nil || errB != nil:
			ps = append(ps, problem{"entries", fmt.Sprintf("read archives: %v %v", errA, errB)})
		case !slices.Equal(a, b):
			ps = append(ps, problem{"entries", fmt.Sprintf("entries: only in the reference %v; only in zisi %v", minus(a, b), minus(b, a))})
		}
	}
	return ps
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

// telemetry is added to every reference archive and is not part of zisi.
const telemetry = "___netlify-telemetry.mjs"

func entries(path string) ([]string, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	var out []string
	for _, f := range zr.File {
		if f.Name != telemetry {
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

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}
