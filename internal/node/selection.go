package node

import (
	"cmp"
	"fmt"
	"slices"
)

// Why says why a file or package ships with a function, or why it does
// not. The words are what `zisi why` prints.
type Why string

// Reasons for shipping.
const (
	WhyMain       Why = "main file"
	WhyFolder     Why = "file of a directory function (they ship whole)"
	WhyImported   Why = "imported"
	WhyGlob       Why = "matched a require with a computed path"
	WhyPackage    Why = "file of a package (packages ship whole)"
	WhyDependency Why = "dependency of a shipped package"
	WhyTraced     Why = "reached from a traced file"
	WhyBundled    Why = "bundled into the main file by esbuild"
	WhyMainSource Why = "main file, compiled by esbuild"
	WhyExternal   Why = "kept external (external_node_modules, native or always-external), so shipped whole"
	WhyIncluded   Why = "matched included_files"
	WhyLink       Why = "a symbolic link Node.js follows to a shipped package (pnpm, npm link)"
	// WhyModuleScope is the "type": "module" package.json an ESM .js
	// bundle (zisi_pure_esm) needs to load as ESM.
	WhyModuleScope Why = "the \"type\": \"module\" package.json the ESM bundle needs"
)

// Reasons for leaving out.
const (
	WhyRuntimeSDK      Why = "the Lambda runtime provides the AWS SDK"
	WhyTypes           Why = "type definitions (@types/*) never ship"
	WhyExcluded        Why = "removed by a \"!\" pattern in included_files"
	WhyIgnoredModule   Why = "listed in ignored_node_modules"
	WhyOutsideBase     Why = "outside the repository root (the base directory unless one is set)"
	WhyMissingOptional Why = "an optional dependency that is not installed"
	WhyJunk            Why = "a junk file (.DS_Store, editor backups, …)"
)

// Pick is one decision about a file or package.
type Pick struct {
	// Path is the file, or for packages the package directory; for an
	// omitted package that was never found, its name.
	Path string `json:"path"`
	// Package is "name@version" for packages and their files.
	Package string `json:"package,omitempty"`
	Why     Why    `json:"why"`
	// Via is what led here: the importing file or the package directory
	// that depends on this one.
	Via string `json:"via,omitempty"`
	// Specifier is the import as written in Via, when Via is a file.
	Specifier string `json:"specifier,omitempty"`
}

// Line finds the line of Via that imports Specifier (0 when unknown). It
// reads the file, so reports call it only for what they print.
func (p Pick) Line() int {
	if p.Specifier == "" || p.Via == "" {
		return 0
	}
	line, _ := locate(p.Via, p.Specifier)
	return line
}

func (p Pick) String() string {
	s := string(p.Why)
	if p.Via != "" {
		s += " by " + p.Via
		if line := p.Line(); line > 0 {
			s += fmt.Sprintf(":%d", line)
		}
	}
	return s
}

// Selection is a bundler's report, modelled on x/mod's CheckedFiles: what
// ships and why, and what was left out and why. The first reason found
// for a path is kept.
type Selection struct {
	Files    []Pick `json:"files"`
	Packages []Pick `json:"packages,omitempty"`
	Omitted  []Pick `json:"omitted,omitempty"`
}

// selector records picks as a bundler makes them.
type selector struct {
	files, pkgs, omitted map[string]Pick
}

// newSelector returns an empty selector sized for about files picks.
func newSelector(files int) *selector {
	return &selector{files: make(map[string]Pick, files), pkgs: map[string]Pick{}, omitted: map[string]Pick{}}
}

func (s *selector) file(path string, why Why, via, spec string) {
	if _, ok := s.files[path]; !ok {
		s.files[path] = Pick{Path: path, Why: why, Via: via, Specifier: spec}
	}
}

func (s *selector) packageFile(path, pkgDir, pkg string) {
	if _, ok := s.files[path]; !ok {
		s.files[path] = Pick{Path: path, Package: pkg, Why: WhyPackage, Via: pkgDir}
	}
}

func (s *selector) pkg(dir, pkg string, why Why, via, spec string) {
	if _, ok := s.pkgs[dir]; !ok {
		s.pkgs[dir] = Pick{Path: dir, Package: pkg, Why: why, Via: via, Specifier: spec}
	}
}

func (s *selector) omit(path string, why Why, via, spec string) {
	if _, ok := s.omitted[path]; !ok {
		s.omitted[path] = Pick{Path: path, Why: why, Via: via, Specifier: spec}
	}
}

// importedBy says what brought path in, "imported as "x" by FILE:LINE",
// following the picks up to the first import; "" when unknown.
func (s *selector) importedBy(path string) string {
	if s == nil {
		return ""
	}
	cur, ok := s.files[path]
	for range 64 {
		if !ok {
			return ""
		}
		if cur.Specifier != "" && cur.Via != "" {
			return fmt.Sprintf("imported as %q by %s", cur.Specifier, locationOf(cur))
		}
		if cur.Via == "" {
			return ""
		}
		next, found := s.files[cur.Via]
		if !found {
			next, found = s.pkgs[cur.Via]
		}
		cur, ok = next, found
	}
	return ""
}

func locationOf(p Pick) string {
	if line := p.Line(); line > 0 {
		return fmt.Sprintf("%s:%d", p.Via, line)
	}
	return p.Via
}

// report returns the selection for the files that ship: a file recorded
// but not shipped (a junk file, say) is not listed as included.
func (s *selector) report(shipped []string) *Selection {
	sel := &Selection{Files: make([]Pick, 0, len(shipped))}
	for _, f := range shipped {
		p, ok := s.files[f]
		if !ok {
			p = Pick{Path: f, Why: WhyLink}
		}
		sel.Files = append(sel.Files, p)
	}
	for _, p := range s.pkgs {
		sel.Packages = append(sel.Packages, p)
	}
	if len(s.omitted) > 0 {
		ships := make(map[string]bool, len(shipped))
		for _, f := range shipped {
			ships[f] = true
		}
		for _, p := range s.omitted {
			if !ships[p.Path] {
				sel.Omitted = append(sel.Omitted, p)
			}
		}
	}
	byPath := func(a, b Pick) int { return cmp.Compare(a.Path, b.Path) }
	slices.SortFunc(sel.Packages, byPath)
	slices.SortFunc(sel.Omitted, byPath)
	return sel
}
