package bundler

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/zisi-build/zisi/internal/discover"
	"github.com/zisi-build/zisi/internal/node"
)

// Selection is a Node.js bundler's report for one function: every file
// shipped with the reason, the packages and what led to each, and what
// was left out and why (modelled on x/mod's CheckedFiles).
type Selection = node.Selection

// Pick is one decision of a Selection: a path, why, and what led there.
type Pick = node.Pick

// ErrNoSuchFunction means the named function is not in the source
// folders.
var ErrNoSuchFunction = errors.New("no such function")

// Explanation answers why a file or package is, or is not, in a
// function's archive.
type Explanation struct {
	Function string `json:"function"`
	Target   string `json:"target"`
	Shipped  bool   `json:"shipped"`
	// Chain leads from the target back to the main file, the target's
	// own decision first. For a target left out, its first element says
	// why (when zisi met it at all).
	Chain []Step `json:"chain,omitempty"`
	// Reason says why a target is not shipped.
	Reason string `json:"reason,omitempty"`
}

// Step is one link of an Explanation's chain.
type Step struct {
	Pick
	// Line is where Via imports the step's target, when known.
	Line int `json:"line,omitempty"`
}

func (s Step) String() string {
	id := s.Path
	if s.Package != "" && !strings.HasSuffix(s.Path, ".json") && filepath.Base(s.Path) == packageName(s.Package) {
		id = s.Package + " (" + s.Path + ")"
	}
	return id + ": " + s.Pick.String()
}

// Explain builds the plan of one function (as a build does, without
// writing anything) and says why target ships with it or not. target is
// a file (absolute, relative to the working directory, or its path
// inside the archive) or a package name.
func Explain(ctx context.Context, srcDirs []string, function, target string, opts Options) (*Explanation, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	abs, err := absAll(srcDirs)
	if err != nil {
		return nil, err
	}
	found, _, err := Dirs(abs...).discover(ctx, o.discoverOptions())
	if err != nil {
		return nil, err
	}
	var fn *discover.Function
	for _, f := range discover.Dedupe(found.Functions) {
		if f.Name == function {
			fn = &f
		}
	}
	if fn == nil {
		return nil, fmt.Errorf("explain %q: %w in %s", function, ErrNoSuchFunction, strings.Join(srcDirs, ", "))
	}
	if fn.Runtime != discover.RuntimeJS || fn.Kind == discover.KindZip {
		return nil, fmt.Errorf("explain %q: a %s function's archive is built from %s alone; zisi why explains Node.js functions", function, fn.Runtime, fn.SrcPath)
	}
	b := &builder{opts: o, env: o.newEnv()}
	p, err := b.plan(*fn, true)
	if err != nil {
		return nil, err
	}
	bundle, err := node.Build(ctx, p.input(b.env))
	if err != nil {
		return nil, fmt.Errorf("explain %q: %w", function, err)
	}
	ex := explain(bundle.Selection, target)
	ex.Function = function
	if !ex.Shipped && ex.Reason == "" {
		ex.Reason = notMet(b.env, *fn, target)
	}
	return ex, nil
}

// explain finds target in a selection: a shipped package by name, a
// shipped file by path or archive path, else an omitted one.
func explain(sel *Selection, target string) *Explanation {
	ex := &Explanation{Target: target}
	files, pkgs := map[string]Pick{}, map[string]Pick{}
	for _, p := range sel.Files {
		files[p.Path] = p
	}
	for _, p := range sel.Packages {
		pkgs[p.Path] = p
	}
	absTarget, _ := filepath.Abs(target)
	matches := func(p Pick) bool {
		return p.Path == target || p.Path == absTarget || strings.HasSuffix(p.Path, "/"+strings.TrimPrefix(filepath.ToSlash(target), "./"))
	}
	start, shipped := Pick{}, false
	for _, p := range sel.Packages {
		// Of several copies (a nested version), the hoisted one.
		if packageName(p.Package) == target && (!shipped || len(p.Path) < len(start.Path)) {
			start, shipped = p, true
		}
	}
	isName := !strings.ContainsAny(target, `/\`) || strings.HasPrefix(target, "@") && strings.Count(target, "/") == 1
	if !shipped && isName {
		// A package the tracer shipped file by file (it records files,
		// not packages): the first of its files the function reached,
		// from outside the package.
		dir := "/node_modules/" + target + "/"
		for _, p := range sel.Files {
			if i := strings.LastIndex(filepath.ToSlash(p.Path), dir); i >= 0 && !shipped &&
				!strings.Contains(filepath.ToSlash(p.Via), filepath.ToSlash(p.Path)[:i+len(dir)]) {
				start, shipped = p, true
			}
		}
	}
	if !shipped {
		for _, p := range sel.Files {
			if p.Path == target || p.Path == absTarget {
				start, shipped = p, true
				break
			}
		}
	}
	if !shipped {
		for _, p := range sel.Files {
			if matches(p) {
				start, shipped = p, true
				break
			}
		}
	}
	if !shipped {
		for _, p := range sel.Omitted {
			if matches(p) {
				start = p
				break
			}
		}
		if start.Path == "" {
			return ex
		}
		ex.Reason = "not shipped: " + string(start.Why)
	}
	ex.Shipped = shipped
	seen := map[string]bool{}
	for cur, ok := start, true; ok && !seen[cur.Path] && len(ex.Chain) < 64; {
		seen[cur.Path] = true
		ex.Chain = append(ex.Chain, Step{Pick: cur, Line: cur.Line()})
		if cur.Via == "" {
			break
		}
		via := cur.Via
		if cur, ok = files[via]; !ok {
			cur, ok = pkgs[via]
		}
	}
	return ex
}

// notMet says why a target the bundler never met is not shipped.
func notMet(env *node.Env, fn discover.Function, target string) string {
	if site, err := env.Resolver.NearestPackageJSON(fn.SrcDir); err == nil && site != nil {
		if _, dev := site.DevDependencies[target]; dev {
			if _, dep := site.Dependencies[target]; !dep {
				return fmt.Sprintf("not shipped: %s lists it only in devDependencies and no file of this function imports it (devDependencies are never followed)", site.Path)
			}
		}
	}
	if abs, err := filepath.Abs(target); err == nil {
		if _, err := os.Stat(abs); err == nil {
			return "not shipped: no file of this function imports it; to ship it anyway, list it in included_files"
		}
	}
	return "not shipped: this function imports no file or package by that name"
}

// packageName is the name part of "name@version".
func packageName(id string) string {
	if i := strings.LastIndex(id, "@"); i > 0 {
		return id[:i]
	}
	return id
}
