package node

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/zisi-build/zisi/config"
	"github.com/zisi-build/zisi/internal/discover"
	"github.com/zisi-build/zisi/internal/source"
)

// Bundler reasons, reported as bundlerReason in results (reference §6).
const (
	ReasonConfigOverride = "config-override"
	ReasonNoneOverride   = "none-override"
	ReasonV2             = "v2-nft"
	ReasonMjsPureESM     = "mjs-pure-esm"
	ReasonEsbuildExt     = "esbuild-ext"
	ReasonESMDefault     = "esm-default"
	ReasonFlagForcedNft  = "flag-forced-nft"
	ReasonZisiDefault    = "zisi-default"
)

// ErrBundlerUnavailable means the function needs a bundler this version of
// zisi does not have.
var ErrBundlerUnavailable = errors.New("bundler not available")

// Input is what a bundler needs to know about one function.
type Input struct {
	Function discover.Function
	// Config is the function's configuration, in-source settings merged.
	Config config.FunctionConfig
	// Analysis is what the main file says about itself; nil means a v1
	// function with nothing to say (an unparsable file, say).
	Analysis *source.Analysis
	// Env is shared by the functions of a build; NewEnv makes one.
	Env *Env
	// Flags are the module-format feature flags for this function.
	Flags Flags
}

// APIVersion is the function's runtime API version: 2 for a default
// export without a handler export, else 1.
func (in Input) APIVersion() int {
	if in.Analysis != nil && in.Analysis.APIVersion == 2 {
		return 2
	}
	return 1
}

// Bundle is a bundler's answer: the files to ship and how.
type Bundle struct {
	Bundler       string
	BundlerReason string
	// SrcFiles are the absolute paths of every file to ship, sorted.
	SrcFiles []string
	// Generated maps a path in SrcFiles to content produced by the
	// bundler (a compiled main file), shipped instead of reading the path.
	Generated map[string][]byte
	// BasePath, when set, is the directory archive paths are relative to
	// (widened if a file lies outside it); otherwise the files' common
	// directory is.
	BasePath string
	// MainFile is the file the entry point loads.
	MainFile string
	// Inputs are the source files the bundler read.
	Inputs []string
	// IncludedFiles are the files added by included_files.
	IncludedFiles []string
	// IncludeRoots are the folders the included_files patterns are
	// matched in (each pattern's part before its first wildcard);
	// GlobRoots the folders glob-style requires searched.
	IncludeRoots, GlobRoots []string
	// Missing are the files relative imports named that were not found
	// (an optional require in a try block): their appearing changes the
	// bundle.
	Missing []string
	// ModuleFormat of the shipped main file: "cjs" or "esm".
	ModuleFormat string
	// NativeNodeModules maps native package names to {directory: version}.
	NativeNodeModules map[string]map[string]string
	// Warnings are things the user should fix that did not stop the build.
	Warnings []Message
	// Notes are decisions worth knowing that need no action, such as a
	// package shipped although only devDependencies list it.
	Notes []Message
	// FallbackErrors are esbuild's errors when node_bundler = "esbuild"
	// fell back to the zisi bundler.
	FallbackErrors []Message
	// Selection says why each file ships and what was left out.
	Selection *Selection

	sel *selector
}

// Select chooses the bundler with the reference's rules, in order: v2
// functions are traced (unless node_bundler is "none"); an explicit
// node_bundler wins; .mjs is traced with zisi_pure_esm_mjs; .mjs and
// TypeScript go through esbuild; everything else is traced with
// traceWithNft; a .js file with import or export syntax is traced; the
// rest use zisi.
func Select(in Input) (bundler, reason string) {
	nb := in.Config.NodeBundler
	if in.APIVersion() == 2 {
		if nb == config.BundlerNone {
			return config.BundlerNone, ReasonNoneOverride
		}
		return config.BundlerNft, ReasonV2
	}
	if nb != "" {
		return nb, ReasonConfigOverride
	}
	if in.Function.Extension == ".mjs" && in.Flags.PureESMMjs {
		return config.BundlerNft, ReasonMjsPureESM
	}
	switch in.Function.Extension {
	case ".mjs", ".ts", ".tsx", ".mts", ".cts": // the reference's esbuild extensions
		return config.BundlerEsbuild, ReasonEsbuildExt
	}
	if in.Flags.TraceWithNft {
		return config.BundlerNft, ReasonFlagForcedNft
	}
	if filepath.Ext(in.Function.MainFile) != ".cjs" && in.Analysis != nil && in.Analysis.ESMSyntax {
		return config.BundlerNft, ReasonESMDefault
	}
	return config.BundlerZisi, ReasonZisiDefault
}

// Build runs the selected bundler. With node_bundler = "esbuild" from
// netlify.toml (esbuild_zisi), a function esbuild cannot bundle is
// retried with zisi and esbuild's errors are kept on the bundle; if zisi
// fails too, esbuild's error is the one returned.
func Build(ctx context.Context, in Input) (*Bundle, error) {
	bundler, reason := Select(in)
	var (
		b   *Bundle
		err error
	)
	switch bundler {
	case config.BundlerZisi:
		b, err = zisi(ctx, in)
	case config.BundlerNone:
		b, err = none(in)
	case config.BundlerEsbuild:
		b, err = esbuild(ctx, in)
	case config.BundlerEsbuildZisi:
		bundler = config.BundlerEsbuild
		b, err = esbuild(ctx, in)
		var be *BundleError
		if err != nil && errors.As(err, &be) && ctx.Err() == nil {
			fb, ferr := zisi(ctx, in)
			if ferr == nil {
				b, err, bundler = fb, nil, config.BundlerZisi
				b.FallbackErrors = be.Errors
			}
		}
	case config.BundlerNft:
		b, err = trace(ctx, in)
	default:
		return nil, fmt.Errorf("%w: unknown bundler %q; use one of zisi, esbuild, nft, none", ErrBundlerUnavailable, bundler)
	}
	if err != nil {
		return nil, err
	}
	if err := in.Env.checkContained(b.Inputs, b.sel); err != nil {
		return nil, err
	}
	b.Bundler, b.BundlerReason = bundler, reason
	if b.sel == nil {
		b.sel = newSelector(0)
	}
	if err := addIncludedFiles(ctx, in, b); err != nil {
		return nil, err
	}
	b.Selection = b.sel.report(b.SrcFiles)
	return b, nil
}

// addIncludedFiles applies included_files: matches are shipped too, and
// `!` patterns remove files from everything shipped.
func addIncludedFiles(ctx context.Context, in Input, b *Bundle) error {
	if len(in.Config.IncludedFiles) == 0 {
		return nil
	}
	base := in.Config.IncludedFilesBasePath
	if base == "" && in.Env != nil {
		base = in.Env.BasePath
	}
	if base == "" {
		return fmt.Errorf("included_files: no base directory to resolve %q against", in.Config.IncludedFiles)
	}
	// Patterns may reach anywhere in the repository (its root, which is
	// the base directory unless a repository root holds it), else the
	// containment root holding base (a site without netlify.toml).
	root := base
	switch {
	case in.Env == nil:
	case in.Env.RepositoryRoot != "" && within(in.Env.RepositoryRoot, base):
		root = in.Env.RepositoryRoot
	case in.Env.BasePath != "":
		root = in.Env.BasePath
	default:
		for _, r := range in.Env.Roots {
			if rel, err := filepath.Rel(r, base); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
				root = r
				break
			}
		}
	}
	inc, err := parseIncludes(in.Config.IncludedFiles, base, root)
	if err != nil {
		return err
	}
	if in.Env != nil && filepath.IsAbs(inc.base) {
		// Globs read through the resolver's file system too.
		inc.fsys = subFS{parent: in.Env.Resolver.FS(), dir: strings.TrimPrefix(filepath.ToSlash(inc.base), "/")}
	}
	if in.Env != nil {
		inc.skip = in.Env.Exclude
	}
	files, excluded, err := inc.matches(ctx)
	if err != nil {
		return err
	}
	b.IncludeRoots = inc.roots()
	for _, f := range excluded {
		b.sel.omit(f, WhyExcluded, "", "")
	}
	kept := inc.filter(b.SrcFiles)
	if len(kept) < len(b.SrcFiles) {
		keep := make(map[string]bool, len(kept))
		for _, f := range kept {
			keep[f] = true
		}
		for _, f := range b.SrcFiles {
			if !keep[f] {
				b.sel.omit(f, WhyExcluded, "", "")
			}
		}
	}
	for _, f := range files {
		b.sel.file(f, WhyIncluded, "", "")
	}
	b.SrcFiles = kept
	// Files the bundler itself added as included (a directory function's
	// files with traceWithNft, an ESM scope's package.json) stay listed
	// unless a `!` pattern removed them.
	b.IncludedFiles = append(inc.filter(b.IncludedFiles), files...)
	b.SrcFiles = append(b.SrcFiles, files...)
	slices.Sort(b.SrcFiles)
	b.SrcFiles = slices.Compact(b.SrcFiles)
	return nil
}

// none ships the main file alone, untouched. Its module format is the
// one Node.js loads it in: .mjs is ESM, .cjs CommonJS, anything else what
// the "type" of its scope's package.json says (the reference's none
// bundler), which decides the entry file written for it.
func none(in Input) (*Bundle, error) {
	format := formatCJS
	switch filepath.Ext(in.Function.MainFile) {
	case ".mjs":
		format = formatESM
	case ".cjs":
	default:
		if in.Env != nil {
			if j := scopePackageJSON(in.Env.Resolver, filepath.Dir(in.Function.MainFile)); j != nil && j.Type == "module" {
				format = formatESM
			}
		}
	}
	sel := newSelector(0)
	sel.file(in.Function.MainFile, WhyMain, "", "")
	return &Bundle{SrcFiles: []string{in.Function.MainFile}, MainFile: in.Function.MainFile, ModuleFormat: format, sel: sel}, nil
}
