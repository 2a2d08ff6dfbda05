package bundler

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/zisi-build/zisi/bundler/archive"
	"github.com/zisi-build/zisi/bundler/discover"
	"github.com/zisi-build/zisi/bundler/node"
	"github.com/zisi-build/zisi/config"
)

// userPriority is the reference's priority for user functions (generated
// ones get 0).
const userPriority = 10

// builder holds what every function build of one call shares.
type builder struct {
	destDir string
	opts    Options
	comp    *archive.Compressor
	env     *node.Env
}

func (b *builder) fail(fn discover.Function, bundlerName string, err error) *FunctionError {
	return &FunctionError{Name: fn.Name, Runtime: string(fn.Runtime), Bundler: bundlerName, MainFile: fn.MainFile, Err: err}
}

// build builds one function into destDir/output.
func (b *builder) build(ctx context.Context, fn discover.Function, output string) (*FunctionResult, *FunctionError) {
	if fn.Name == discover.ReservedName {
		return nil, b.fail(fn, "", fmt.Errorf("%w: %q is a reserved word and cannot be used as a function name; rename %q", ErrReservedName, fn.Name, fn.SrcPath))
	}
	if err := ctx.Err(); err != nil {
		return nil, b.fail(fn, "", err)
	}
	cfg := b.opts.functionConfig(fn.Name)
	dest := filepath.Join(b.destDir, output)
	res := &FunctionResult{
		Name: fn.Name, MainFile: fn.MainFile, Runtime: string(fn.Runtime), Path: dest,
		Config: cfg, DisplayName: cfg.Name, Generator: cfg.Generator,
	}
	switch {
	case fn.Kind == discover.KindZip:
		size, err := copyFile(fn.MainFile, dest)
		if err != nil {
			return nil, b.fail(fn, "", err)
		}
		res.Size = size
		return res, nil
	case fn.Kind == discover.KindBinary:
		if err := b.zipBinary(ctx, fn, res); err != nil {
			return nil, b.fail(fn, "", err)
		}
		return res, nil
	case fn.Runtime == discover.RuntimeJS:
		bundlerName, err := b.buildNode(ctx, fn, cfg, res)
		if err != nil {
			return nil, b.fail(fn, bundlerName, err)
		}
		return res, nil
	}
	return nil, b.fail(fn, "", fmt.Errorf("%w: building %s source functions is not part of this zisi release yet; build the binary yourself and put it in the functions folder", ErrRuntimeUnavailable, fn.Runtime))
}

// buildNode bundles a Node.js function and writes its archive.
func (b *builder) buildNode(ctx context.Context, fn discover.Function, cfg config.FunctionConfig, res *FunctionResult) (string, error) {
	in := node.Input{Function: fn, Config: cfg, Env: b.env}
	bundlerName, _ := node.Select(in)
	bundle, err := node.Build(ctx, in)
	if err != nil {
		return bundlerName, err
	}
	layout, err := node.Lay(fn, bundle, b.opts.ArchiveFormat == ArchiveNone)
	if err != nil {
		return bundlerName, err
	}
	if b.opts.ArchiveFormat == ArchiveNone {
		err = archive.WriteDir(ctx, res.Path, layout.Entries)
	} else {
		res.Size, err = archive.WriteZip(ctx, res.Path, layout.Entries, b.comp)
	}
	if err != nil {
		return bundlerName, err
	}
	priority := userPriority
	res.Bundler, res.BundlerReason = bundle.Bundler, bundle.BundlerReason
	res.EntryFilename = layout.EntryFilename
	res.Inputs, res.IncludedFiles = bundle.Inputs, bundle.IncludedFiles
	res.NativeNodeModules = bundle.NativeNodeModules
	for _, m := range bundle.Warnings {
		res.BundlerWarnings = append(res.BundlerWarnings, toMessage(m))
		res.warns = append(res.warns, Warning{Function: fn.Name, Message: m.String()})
	}
	res.OutputModuleFormat = "cjs"
	if strings.HasSuffix(bundle.MainFile, ".mjs") {
		res.OutputModuleFormat = "esm"
	}
	res.Priority = &priority
	res.Timeout, res.Memory, res.Region, res.Vcpu, res.Schedule = cfg.Timeout, cfg.Memory, cfg.Region, cfg.Vcpu, cfg.Schedule
	res.RuntimeAPIVersion = 1
	res.RuntimeVersion = v1RuntimeVersion(cfg.NodeVersion)
	if strings.HasSuffix(fn.Name, "-background") || (cfg.Background != nil && *cfg.Background) {
		res.InvocationMode = "background"
	}
	return bundlerName, nil
}

// v1RuntimeVersion maps a configured Node.js version to the Lambda runtime
// name; v1 functions without a (known) version get none (reference §10.3).
func v1RuntimeVersion(version string) string {
	if version == "" {
		return ""
	}
	switch major, _ := config.NodeMajor(version); major {
	case 18, 20, 22, 24:
		return fmt.Sprintf("nodejs%d.x", major)
	}
	return ""
}

// toolchainFile marks a binary's language for the platform.
func toolchainFile(rt discover.Runtime) []byte {
	return []byte(fmt.Sprintf(`{"runtime":%q}`, rt))
}

// zipBinary stores a prebuilt Go or Rust binary as `bootstrap` with its
// `netlify-toolchain` marker (the reference does this for Rust always and
// for Go when asked; zisi always zips, see README).
func (b *builder) zipBinary(ctx context.Context, fn discover.Function, res *FunctionResult) error {
	entries := []archive.Entry{
		{Name: "bootstrap", Path: fn.MainFile, Executable: true},
		{Name: "netlify-toolchain", Data: toolchainFile(fn.Runtime)},
	}
	size, err := archive.WriteZip(ctx, res.Path, entries, b.comp)
	if err != nil {
		return err
	}
	res.Size, res.EntryFilename = size, "bootstrap"
	return nil
}

// copyFile copies a prebuilt archive byte for byte, atomically.
func copyFile(src, dest string) (int64, error) {
	in, err := os.Open(src)
	if err != nil {
		return 0, fmt.Errorf("open %q: %w", src, err)
	}
	defer in.Close()
	data, err := io.ReadAll(in)
	if err != nil {
		return 0, fmt.Errorf("read %q: %w", src, err)
	}
	if err := archive.WriteFile(dest, data); err != nil {
		return 0, err
	}
	return int64(len(data)), nil
}

func toMessage(m node.Message) Message {
	msg := Message{Text: m.Text}
	if m.File != "" {
		msg.Location = &Location{File: m.File, Line: m.Line, Column: m.Column}
	}
	return msg
}
