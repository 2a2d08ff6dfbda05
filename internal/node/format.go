package node

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/evanw/esbuild/pkg/api"

	"github.com/zisi-build/zisi/config"
	"github.com/zisi-build/zisi/resolver"
)

// Flags are the reference's module-format feature flags as one function
// sees them (bundler.Options.FeatureFlags, with PureESMMjs also on for a
// function whose nodeModuleFormat is "esm", as the reference's zip.js
// does).
type Flags struct {
	// TraceWithNft makes nft the default where zisi would be chosen, and
	// ships all of a directory function's files (traceWithNft).
	TraceWithNft bool
	// PureESM ships ESM untranspiled when the main file has ESM syntax in
	// a "type": "module" scope, and makes esbuild output ESM for
	// TypeScript and such scopes (zisi_pure_esm).
	PureESM bool
	// PureESMMjs ships a .mjs main file untranspiled, traced by nft, with
	// a .mjs entry file (zisi_pure_esm_mjs).
	PureESMMjs bool
	// OutputCJSExtension names CommonJS esbuild output and entry files
	// .cjs (zisi_output_cjs_extension).
	OutputCJSExtension bool
	// ErrorCJSInESMScope fails a CommonJS .js main file nft traces inside
	// a "type": "module" scope (zisi_error_cjs_in_esm_scope).
	ErrorCJSInESMScope bool
}

// Module formats of bundles and entry files.
const (
	formatCJS = config.ModuleFormatCJS
	formatESM = config.ModuleFormatESM
)

// ErrCJSInESMScope is the zisi_error_cjs_in_esm_scope failure: a CommonJS
// function file that Node.js would load as ESM.
var ErrCJSInESMScope = errors.New("CommonJS function file in an ES module scope")

// outputExtension is the extension of a v1 bundle's output and entry file
// for its module format (the reference's getFileExtensionForFormat): .mjs
// for ESM with zisi_pure_esm_mjs, .cjs for CommonJS with
// zisi_output_cjs_extension, else .js (so ESM in a .js file is possible,
// for a "type": "module" scope).
func outputExtension(format string, f Flags) string {
	switch {
	case format == formatESM && f.PureESMMjs:
		return ".mjs"
	case format == formatCJS && f.OutputCJSExtension:
		return ".cjs"
	}
	return ".js"
}

// scopePackageJSON is the package.json whose "type" decides how Node.js
// loads files in dir: the nearest one at or above it, not looking past a
// node_modules folder (the reference's getClosestPackageJson). nil when
// there is none or it does not parse (the reference then treats the scope
// as CommonJS).
func scopePackageJSON(r *resolver.Resolver, dir string) *resolver.PackageJSON {
	for d := dir; filepath.Base(d) != "node_modules"; d = filepath.Dir(d) {
		if j, err := r.PackageJSON(d); err != nil || j != nil {
			return j
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	return nil
}

// esbuildFormat is the module format esbuild writes a v1 function in (the
// reference's bundler_target getModuleFormat): ESM for a .mjs main file
// with zisi_pure_esm_mjs; with zisi_pure_esm, ESM for TypeScript and for a
// main file in a "type": "module" scope, whose package.json then ships
// (returned as scope); CommonJS otherwise. ESM needs Node.js 14, which
// every version zisi accepts is.
func esbuildFormat(in Input) (format string, scope string) {
	ext := filepath.Ext(in.Function.MainFile)
	esmNode := config.NodeMajorOrDefault(in.Config.NodeVersion) >= 14
	if ext == ".mjs" && in.Flags.PureESMMjs {
		return formatESM, ""
	}
	if in.Flags.PureESM && esmNode {
		if strings.Contains(ext, "ts") {
			return formatESM, ""
		}
		if j := scopePackageJSON(in.Env.Resolver, in.Function.SrcDir); j != nil && j.Type == "module" {
			return formatESM, j.Path
		}
	}
	return formatCJS, ""
}

func apiFormat(format string) api.Format {
	if format == formatESM {
		return api.FormatESModule
	}
	return api.FormatCommonJS
}

// v1TraceFormat decides what nft does with a traced v1 JavaScript main
// file (the reference's processESM): a .mjs one with zisi_pure_esm_mjs,
// or one with ESM syntax in a "type": "module" scope with zisi_pure_esm,
// ships as ESM untouched; other ESM is compiled to CommonJS (transpile
// set); a CommonJS .js file in a "type": "module" scope is an error with
// zisi_error_cjs_in_esm_scope.
func v1TraceFormat(in Input, mainIsESM bool) (format string, transpile bool, err error) {
	main := in.Function.MainFile
	ext := filepath.Ext(main)
	if ext == ".mjs" && in.Flags.PureESMMjs {
		return formatESM, false, nil
	}
	scope := scopePackageJSON(in.Env.Resolver, filepath.Dir(main))
	moduleScope := scope != nil && scope.Type == "module"
	if !mainIsESM {
		if in.Flags.ErrorCJSInESMScope && ext == ".js" && moduleScope {
			return "", false, fmt.Errorf("%w: the function file %q is a CommonJS module, but the closest package.json (%s) declares \"type\": \"module\", so Node.js will fail to load it at run time; use ESM syntax (import/export), rename the file to .cjs, or remove \"type\": \"module\" from that package.json",
				ErrCJSInESMScope, main, scope.Path)
		}
		return formatCJS, false, nil
	}
	if in.Flags.PureESM && moduleScope && config.NodeMajorOrDefault(in.Config.NodeVersion) >= 14 {
		return formatESM, false, nil
	}
	return formatCJS, true, nil
}
