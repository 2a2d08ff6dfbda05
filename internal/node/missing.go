package node

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/zisi-build/zisi/resolver"
)

// ErrMissingModule classifies an import or dependency that is not
// installed; match with errors.Is.
var ErrMissingModule = errors.New("missing module")

// MissingModuleError names what is missing, who needs it and the fix.
type MissingModuleError struct {
	// Module is the specifier or package name.
	Module string
	// Importer is the file (with Line) or the package that needs it.
	Importer string
	Line     int
	// Package is set when a package's dependency is missing.
	Package string
	Fix     string
}

func (e *MissingModuleError) Error() string {
	where := e.Importer
	if e.Line > 0 {
		where = fmt.Sprintf("%s:%d", e.Importer, e.Line)
	}
	if e.Package != "" {
		return fmt.Sprintf("cannot find module %q, a dependency of %s (%s); %s", e.Module, e.Package, where, e.Fix)
	}
	return fmt.Sprintf("cannot find module %q imported by %s; %s", e.Module, where, e.Fix)
}

// Is makes MissingModuleError match ErrMissingModule.
func (e *MissingModuleError) Is(target error) bool { return target == ErrMissingModule }

// missingHint says what to do about a package spec, imported from file,
// that is not installed, when the nearest package.json lists it: run the
// install. "" when it does not (a bare relative path, an unlisted name:
// the message says enough).
func (env *Env) missingHint(file, spec string) string {
	if spec == "." || spec == ".." || strings.HasPrefix(spec, "./") || strings.HasPrefix(spec, "../") || strings.HasPrefix(spec, "/") || strings.HasPrefix(spec, "node:") {
		return ""
	}
	name, _ := resolver.SplitPackage(spec)
	if name == "" {
		return ""
	}
	site, err := env.Resolver.NearestPackageJSON(filepath.Dir(file))
	if err != nil || site == nil {
		return ""
	}
	return installFix(site, name)
}

// installFix says what to do about a package name that is not installed,
// given the package.json that should list it (nil when there is none):
// run the install when it lists the package, else add it.
func installFix(site *resolver.PackageJSON, name string) string {
	if site == nil {
		return "add it to dependencies in a package.json next to your functions and run npm install"
	}
	for _, m := range []map[string]string{site.Dependencies, site.DevDependencies, site.OptionalDependencies, site.PeerDependencies} {
		if _, ok := m[name]; ok {
			return fmt.Sprintf("%s lists it but it is not installed; run npm install (or your package manager's install) in %s", site.Path, site.Dir)
		}
	}
	return fmt.Sprintf("add it to dependencies in %s and run npm install", site.Path)
}
