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
	return b, nil
}

// zisi ships the main file (and, for a directory function, every file in
// the directory) without transpiling; dependency resolution follows the
// imports from there.
func zisi(ctx context.Context, in Input) (*Bundle, error) {
	fn := in.Function
	files := []string{fn.MainFile}
	if fn.Kind == discover.KindDir {
		tree, err := TreeFiles(ctx, fn.SrcDir)
		if err != nil {
			return nil, err
		}
		files = append(files, tree...)
	}
	slices.Sort(files)
	files = slices.Compact(files)
	return &Bundle{SrcFiles: files, MainFile: fn.MainFile, Inputs: files, ModuleFormat: "cjs"}, nil
}

// none ships the main file alone, untouched.
func none(in Input) (*Bundle, error) {
	format := "cjs"
	if filepath.Ext(in.Function.MainFile) == ".mjs" {
		format = "esm"
	}
	return &Bundle{SrcFiles: []string{in.Function.MainFile}, MainFile: in.Function.MainFile, ModuleFormat: format}, nil
}
