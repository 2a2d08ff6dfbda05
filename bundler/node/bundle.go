package node

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"

	"github.com/zisi-build/zisi/bundler/discover"
	"github.com/zisi-build/zisi/config"
)

// Bundler reasons, reported as bundlerReason in results (reference §6).
const (
	ReasonConfigOverride = "config-override"
	ReasonNoneOverride   = "none-override"
	ReasonZisiDefault    = "zisi-default"
	ReasonEsbuildExt     = "esbuild-ext"
)

// ErrBundlerUnavailable means the function needs a bundler this version of
// zisi does not have yet.
var ErrBundlerUnavailable = errors.New("bundler not available")

// Input is what a bundler needs to know about one function.
type Input struct {
	Function discover.Function
	Config   config.FunctionConfig
	// Env is shared by the functions of a build; NewEnv makes one.
	Env *Env
}

// Bundle is a bundler's answer: the files to ship and how.
type Bundle struct {
	Bundler       string
	BundlerReason string
	// SrcFiles are the absolute paths of every file to ship, sorted.
	SrcFiles []string
	// MainFile is the file the entry point loads.
	MainFile string
	// Inputs are the source files the bundler read.
	Inputs []string
	// IncludedFiles are the files added by included_files.
	IncludedFiles []string
	// ModuleFormat of the shipped main file: "cjs" or "esm".
	ModuleFormat string
	// NativeNodeModules maps native package names to {directory: version}.
	NativeNodeModules map[string]map[string]string
	// Warnings are things the user should fix that did not stop the build.
	Warnings []Message
}

// Select chooses the bundler for a v1 function with the reference's rules:
// an explicit node_bundler wins, .mjs and TypeScript default to esbuild,
// and plain .js/.cjs use zisi.
func Select(in Input) (bundler, reason string) {
	if b := in.Config.NodeBundler; b != "" {
		return b, ReasonConfigOverride
	}
	switch in.Function.Extension {
	case ".mjs", ".ts", ".tsx", ".mts", ".cts":
		return config.BundlerEsbuild, ReasonEsbuildExt
	}
	return config.BundlerZisi, ReasonZisiDefault
}

// Build runs the selected bundler.
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
	default:
		return nil, fmt.Errorf("%w: the %s bundler is not part of this zisi release yet; set node_bundler = \"zisi\" for this function in netlify.toml to ship its files as they are", ErrBundlerUnavailable, bundler)
	}
	if err != nil {
		return nil, err
	}
	b.Bundler, b.BundlerReason = bundler, reason
	if err := addIncludedFiles(in, b); err != nil {
		return nil, err
	}
	return b, nil
}

// addIncludedFiles applies included_files: matches are shipped too, and
// `!` patterns remove files from everything shipped.
func addIncludedFiles(in Input, b *Bundle) error {
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
	inc, err := parseIncludes(in.Config.IncludedFiles, base)
	if err != nil {
		return err
	}
	files, err := inc.files()
	if err != nil {
		return err
	}
	b.SrcFiles = inc.filter(b.SrcFiles)
	b.IncludedFiles = files
	b.SrcFiles = append(b.SrcFiles, files...)
	slices.Sort(b.SrcFiles)
	b.SrcFiles = slices.Compact(b.SrcFiles)
	return nil
}

// none ships the main file alone, untouched.
func none(in Input) (*Bundle, error) {
	format := "cjs"
	if filepath.Ext(in.Function.MainFile) == ".mjs" {
		format = "esm"
	}
	return &Bundle{SrcFiles: []string{in.Function.MainFile}, MainFile: in.Function.MainFile, ModuleFormat: format}, nil
}
