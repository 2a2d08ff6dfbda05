package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/zisi-build/zisi/bundler"
	"github.com/zisi-build/zisi/config"
	"github.com/zisi-build/zisi/internal/source"
)

// A site's conformance.json: configuration netlify.toml cannot carry, and
// runs with feature flags, in either mode.

// siteFile is a site's optional conformance.json: configuration no
// netlify.toml can carry (the reference's camelCase keys by function
// glob, as a deploy tool passes them), and runs, each one build of the
// site by both tools with its feature flags. Without runs the site is
// built once, without flags.
type siteFile struct {
	Config map[string]config.FunctionConfig `json:"config"`
	// Server is the site's Netlify Server, its folder or entry file
	// relative to the site, when it is not netlify/server.
	Server string `json:"server"`
	Runs   []struct {
		// Name is appended to the scenario ("esm-flags@pure-esm"); the
		// run without a name is the scenario itself.
		Name         string          `json:"name"`
		FeatureFlags map[string]bool `json:"featureFlags"`
		// Errors maps functions both tools must fail on to a text both
		// errors contain.
		Errors map[string]string `json:"errors"`
	} `json:"runs"`
}

// siteJobs reads a site's netlify.toml (if any) and conformance.json (if
// any) into one job per run; nodeBundler is siteJob's. Each job has the
// site's server (siteServer), unless nodeBundler is set: netlify.toml does
// not apply to the server, so it is compared once, without it.
func siteJobs(site, nodeBundler string) ([]job, error) {
	j, err := siteJob(site, nodeBundler)
	if err != nil {
		return nil, err
	}
	file := filepath.Join(j.base, "conformance.json")
	var sf siteFile
	data, err := os.ReadFile(file)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("read %q: %w", file, err)
	default:
		if err := json.Unmarshal(data, &sf); err != nil {
			return nil, fmt.Errorf("read %q: %w", file, err)
		}
	}
	if nodeBundler == "" {
		if j.server, err = siteServer(j.base, sf.Server); err != nil {
			return nil, err
		}
	}
	for _, g := range slices.Sorted(maps.Keys(sf.Config)) {
		if err := validPattern(sf.Config[g]); err != nil {
			return nil, fmt.Errorf("%s: config %q: %w", file, g, err)
		}
		j.extra = append(j.extra, config.Pattern{Glob: g, Config: sf.Config[g]})
	}
	j.cfg = withPatterns(j.cfg, j.extra)
	if len(sf.Runs) == 0 {
		return []job{j}, nil
	}
	var jobs []job
	for _, r := range sf.Runs {
		rj := j
		if r.Name != "" {
			rj.scenario += "@" + r.Name
		}
		rj.flags = r.FeatureFlags
		if rj.flags == nil {
			rj.flags = map[string]bool{}
		}
		rj.errors = r.Errors
		jobs = append(jobs, rj)
	}
	return jobs, nil
}

// withPatterns returns a copy of c (nil for none) with extra appended
// after its own patterns, so that they win a key both set.
func withPatterns(c *config.Config, extra []config.Pattern) *config.Config {
	out := &config.Config{}
	if c != nil {
		*out = *c
	}
	if len(extra) == 0 {
		return out
	}
	out.Patterns = slices.Clone(out.Patterns)
	for _, p := range extra {
		p.Order = len(out.Patterns)
		out.Patterns = append(out.Patterns, p)
	}
	return out
}

// validPattern refuses conformance.json values zisi would refuse too, so
// a typo fails here, where it is.
func validPattern(fc config.FunctionConfig) error {
	if f := fc.NodeModuleFormat; f != "" {
		return config.ValidateNodeModuleFormat(f)
	}
	return nil
}

// runFlags are the feature flags both tools get for j: its run's, over
// base (Netlify Build's defaults in that mode; nil in the other).
func runFlags(base, flags map[string]bool) map[string]bool {
	if base == nil && flags == nil {
		return nil
	}
	out := maps.Clone(base)
	if out == nil {
		out = map[string]bool{}
	}
	maps.Copy(out, flags)
	return out
}

// bothFail checks a function both tools must refuse: each error must
// contain want. It returns what went wrong, or "".
func bothFail(want, refErr string, oursErr error) string {
	var ps []string
	switch {
	case refErr == "":
		ps = append(ps, "the reference built it")
	case !strings.Contains(refErr, want):
		ps = append(ps, fmt.Sprintf("the reference's error does not say %q: %s", want, firstLine(refErr)))
	}
	switch {
	case oursErr == nil:
		ps = append(ps, "zisi built it")
	case !strings.Contains(oursErr.Error(), want):
		ps = append(ps, fmt.Sprintf("zisi's error does not say %q: %s", want, firstLine(oursErr.Error())))
	}
	if len(ps) > 0 {
		return fmt.Sprintf("both tools should fail with %q: %s", want, strings.Join(ps, "; "))
	}
	return ""
}

// flagResults are the result fields (not in the manifest) that must match
// in runs with feature flags, which change them.
var flagResults = []string{"outputModuleFormat", "entryFilename", "bundlerReason"}

// compareFlagResults compares the fields of flagResults in a run with
// feature flags.
func compareFlagResults(ref map[string]any, ours *bundler.FunctionResult) []problem {
	mine, problems := resultMap(ours)
	if problems != nil {
		return problems
	}
	return compareFields(ref, mine, flagResults)
}

// compareFields compares the result fields named by keys.
func compareFields(ref, mine map[string]any, keys []string) []problem {
	var ps []problem
	for _, k := range keys {
		if !reflect.DeepEqual(normalize(ref[k]), normalize(mine[k])) {
			ps = append(ps, problem{"result:" + k, fmt.Sprintf("result %s: reference %v, zisi %v", k, jsonText(ref[k]), jsonText(mine[k]))})
		}
	}
	return ps
}

// compareContents checks, in runs with feature flags, what the flags
// change inside archives with the same entries: each JavaScript file is
// ESM in both or in neither (pure ESM is shipped untranspiled, other ESM
// compiled to CommonJS), and the telemetry file, when asked for, has the
// same bytes.
func compareContents(refPath, oursPath string, names []string, withTelemetry bool) []problem {
	ref, err1 := readEntries(refPath)
	ours, err2 := readEntries(oursPath)
	if err1 != nil || err2 != nil {
		return []problem{{"entries", fmt.Sprintf("read archives: %v %v", err1, err2)}}
	}
	var ps []problem
	for _, name := range names {
		switch ext := path.Ext(name); {
		case name == telemetry:
			if withTelemetry && !bytes.Equal(ref[name], ours[name]) {
				ps = append(ps, problem{"entries", fmt.Sprintf("%s: %d bytes in the reference, %d in zisi, not the same", name, len(ref[name]), len(ours[name]))})
			}
		case name == "___netlify-bootstrap.mjs":
		case ext == ".js" || ext == ".mjs" || ext == ".cjs":
			if a, b := esmSyntax(ref[name], ext), esmSyntax(ours[name], ext); a != b {
				ps = append(ps, problem{"entries", fmt.Sprintf("%s: %s in the reference, %s in zisi", name, a, b)})
			}
		}
	}
	return ps
}

// esmSyntax says whether JavaScript source uses ESM syntax (any import
// or export, as es-module-lexer sees it).
func esmSyntax(src []byte, ext string) string {
	a, err := source.Analyze(string(src), ext, "")
	switch {
	case err != nil || !a.Parsed:
		return "unparsable"
	case a.ESMSyntax:
		return "ESM"
	}
	return "CommonJS"
}

// readEntries reads every entry of the archive at p by name.
func readEntries(p string) (map[string][]byte, error) {
	zr, err := zip.OpenReader(p)
	if err != nil {
		return nil, fmt.Errorf("open %q: %w", p, err)
	}
	defer zr.Close()
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("read %s in %q: %w", f.Name, p, err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("read %s in %q: %w", f.Name, p, err)
		}
		out[f.Name] = data
	}
	return out, nil
}
