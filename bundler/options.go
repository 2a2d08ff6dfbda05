package bundler

import (
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/zisi-build/zisi/config"
	"github.com/zisi-build/zisi/internal/discover"
	"github.com/zisi-build/zisi/internal/node"
)

// ArchiveFormat is how each function is written.
type ArchiveFormat string

// Archive formats.
const (
	// ArchiveZip writes DEST/<name>.zip (the default).
	ArchiveZip ArchiveFormat = "zip"
	// ArchiveNone writes a directory DEST/<name>/ with the same content.
	ArchiveNone ArchiveFormat = "none"
)

// Options configures a build. The zero value builds zips with no function
// configuration, one worker per CPU, and writes DEST/manifest.json.
type Options struct {
	// Config is the glob-keyed function configuration (from netlify.toml).
	Config *config.Config
	// ArchiveFormat defaults to ArchiveZip.
	ArchiveFormat ArchiveFormat
	// ManifestPath is where manifest.json goes; DEST/manifest.json when
	// empty.
	ManifestPath string
	// RepositoryRoot is the root of the repository or workspace the site
	// lives in (a monorepo's top, where node_modules is hoisted): what
	// the reference's repositoryRoot option is. Packages and files
	// anywhere under it may ship: v2 and other traced functions are
	// traced from it, and esbuild bundles' archive paths are relative
	// to it. BasePath when empty; it must hold BasePath.
	// FindRepositoryRoot gives the CLI's default.
	RepositoryRoot string
	// FeatureFlags are the reference's feature flags (the Flag
	// constants); an unknown name gives a warning and is ignored.
	FeatureFlags map[string]bool
	// Branch is the branch being deployed, written to v2 functions'
	// metadata file (the reference's branch option).
	Branch string
	// ConfigFileDirectories are the folders whose functions may have a
	// JSON configuration file beside their main file (<main>.json, see
	// config.JSONFile), as frameworks write into
	// .netlify/functions-internal. Its settings replace netlify.toml's.
	ConfigFileDirectories []string
	// ParseISC makes ListSources, ListFunctions and ListFunction analyse
	// each Node.js main file (the reference's parseISC): listings then
	// carry the API version, module format, routes and in-source
	// schedule.
	ParseISC bool
	// InternalSrcFolder makes ZipFunction and ListFunction treat a
	// function inside it as generated (the reference's zipFunction
	// option of that name): priority 0 and the default generator.
	InternalSrcFolder string
	// AllowOutside lists folders outside the site whose files may ship
	// through symbolic links (an npm link to a library being developed,
	// say). Nothing else outside the site's base directory ever ships.
	AllowOutside []string
	// Strict makes a build with any warning fail with ErrStrict before
	// anything is published, for CI.
	Strict bool
	// NoWait makes a build fail with ErrDestinationBusy when another
	// build holds the destination, instead of waiting for it.
	NoWait bool
	// Fsync makes a build sync every archive, the manifest and the
	// destination folder to disk before it publishes them, so that after
	// a power loss or a kernel crash each output holds the previous build
	// or the new one, never an empty file. Off, outputs are left to the
	// page cache as cp, go build and the reference leave theirs: every
	// output still replaces the previous one with one atomic rename, so a
	// failed, cancelled or killed build replaces nothing. Syncing costs
	// the time the disk takes to write the outputs back (about a fifth of
	// a cold build of a large site).
	Fsync bool
	// OnWait, when set, is called once if the build has to wait for
	// another build into the same destination.
	OnWait func(dest string)
	// Parallel bounds how many functions are built at once; the number of
	// CPUs when zero or negative. A function waiting for a file another
	// one is compressing lets the next start meanwhile, so up to nine
	// times as many may be under way, Parallel of them running.
	Parallel int
	// BasePath is the site's base directory: included_files patterns are
	// relative to it unless netlify.toml set one. The CLI passes the
	// directory of netlify.toml, else the working directory.
	BasePath string
	// NodeVersion, when set, overrides every function's node_version (the
	// --node-version flag and AWS_LAMBDA_JS_RUNTIME).
	NodeVersion string
	// GoArch, when set, overrides every function's go_arch (--go-arch):
	// the architecture Go functions are built for and prebuilt binaries
	// must target.
	GoArch string
	// Env is the environment Go builds start from, with the target
	// settings (GOOS, GOARCH, CGO_ENABLED) layered over it; the process's
	// environment when nil.
	Env []string
	// BootstrapDir is an unpacked @netlify/serverless-functions-api
	// package to ship with v2 functions (--bootstrap); when empty the
	// site's node_modules and then the per-user cache are used.
	BootstrapDir string
	// CacheDir is the per-user cache (node.DefaultCacheDir when empty):
	// the v2 bootstrap, and the build cache in its "build" folder.
	CacheDir string
	// Cache turns the build cache on for ZipSources and ZipFunctions
	// (the CLI's default): a function whose plan and inputs match an
	// earlier build is restored, byte for byte, instead of built. See
	// README "Build cache" for what its keys cover.
	Cache bool
	// CacheMaxSize bounds the build cache folder in bytes; the least
	// recently used entries go beyond it (cache.DefaultMaxSize, 2 GiB,
	// when zero).
	CacheMaxSize int64
	// RemoteCache, with Cache, is a shared blob store the cache reads
	// through and writes behind: s3://, gs://, azblob:// or file:// URLs
	// (gocloud.dev/blob; credentials from each store's usual
	// environment). A store that fails is dropped with one warning.
	RemoteCache string
	// RemoteTimeout bounds each request to RemoteCache (10 s when zero).
	RemoteTimeout time.Duration
	// Now stamps the manifest; time.Now when nil.
	Now func() time.Time
	// Progress, when set, is called after each function finishes (from
	// the worker goroutines, so it must be safe for concurrent use).
	Progress func(done, total int, name string)
	// OnEvent, when set, receives the build's events (see Event), from the
	// worker goroutines: it must be safe for concurrent use and quick.
	OnEvent func(Event)

	// matcher is Config compiled by withDefaults.
	matcher *config.Matcher
}

// newEnv is the node bundlers' shared state for a build with these
// options.
func (o *Options) newEnv() *node.Env {
	env := node.NewEnv(o.BasePath)
	env.RepositoryRoot = o.RepositoryRoot
	return env
}

func (o *Options) withDefaults() (Options, error) {
	out := *o
	switch out.ArchiveFormat {
	case "":
		out.ArchiveFormat = ArchiveZip
	case ArchiveZip, ArchiveNone:
	default:
		return out, fmt.Errorf("%w: archive format %q is not one of zip, none", ErrInvalidOptions, out.ArchiveFormat)
	}
	if out.GoArch != "" && !slices.Contains(config.GoArches, out.GoArch) {
		return out, fmt.Errorf("%w: Go architecture %q is not one of %s", ErrInvalidOptions, out.GoArch, strings.Join(config.GoArches, ", "))
	}
	if out.Config != nil {
		for _, p := range out.Config.Patterns {
			if f := p.Config.NodeModuleFormat; f != "" {
				if err := config.ValidateNodeModuleFormat(f); err != nil {
					return out, fmt.Errorf("%w: functions configuration %q: %w; leave it unset for the default", ErrInvalidOptions, p.Glob, err)
				}
			}
		}
	}
	if out.Parallel <= 0 {
		out.Parallel = runtime.NumCPU()
	}
	if out.BasePath != "" {
		// The resolver works on absolute paths only.
		abs, err := filepath.Abs(out.BasePath)
		if err != nil {
			return out, fmt.Errorf("%w: base path %q: %w", ErrInvalidOptions, out.BasePath, err)
		}
		// Real paths, as the bundlers see every file they ship.
		if real, err := filepath.EvalSymlinks(abs); err == nil {
			abs = real
		}
		out.BasePath = abs
	}
	if out.RepositoryRoot != "" {
		abs, err := filepath.Abs(out.RepositoryRoot)
		if err != nil {
			return out, fmt.Errorf("%w: repository root %q: %w", ErrInvalidOptions, out.RepositoryRoot, err)
		}
		if real, err := filepath.EvalSymlinks(abs); err == nil {
			abs = real
		}
		out.RepositoryRoot = abs
		if out.BasePath != "" {
			if rel, err := filepath.Rel(abs, out.BasePath); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
				return out, fmt.Errorf("%w: repository root %q does not hold the base path %q; give the folder at the top of the repository or workspace the site is in (or leave it unset)", ErrInvalidOptions, abs, out.BasePath)
			}
		}
	}
	if out.Now == nil {
		out.Now = time.Now
	}
	out.matcher = out.Config.Compile()
	return out, nil
}

// functionConfig returns a function's merged configuration with the
// global overrides applied.
func (o *Options) functionConfig(name string) config.FunctionConfig {
	var fc config.FunctionConfig
	if o.matcher != nil {
		fc = o.matcher.ForFunction(name)
	} else {
		fc = o.Config.ForFunction(name)
	}
	o.applyOverrides(&fc)
	return fc
}

// applyOverrides sets the options that override every function's
// configuration.
func (o *Options) applyOverrides(fc *config.FunctionConfig) {
	if o.NodeVersion != "" {
		fc.NodeVersion = o.NodeVersion
	}
	if o.GoArch != "" {
		fc.GoArch = o.GoArch
	}
}

// readsConfigFile reports whether fn's JSON configuration file is read:
// its main file is inside one of Options.ConfigFileDirectories.
func (o *Options) readsConfigFile(fn discover.Function) bool {
	return insideAny(fn.MainFile, o.ConfigFileDirectories...)
}

// flag says whether a feature flag is on, with the default zisi gives it
// when Options.FeatureFlags does not set it (every flag is off unless
// set; the reference defaults zisi_add_instrumentation_loader to true,
// see README).
func (o *Options) flag(name string) bool { return o.FeatureFlags[name] }

// internal reports whether fn is inside Options.InternalSrcFolder.
func (o *Options) internal(fn discover.Function) bool {
	return o.InternalSrcFolder != "" && insideAny(fn.SrcPath, o.InternalSrcFolder)
}

// nodeFlags are the module-format flags one Node.js function is built
// with: nodeModuleFormat "esm" in its configuration turns
// zisi_pure_esm_mjs on for it, as the reference's zip.js does.
func (o *Options) nodeFlags(cfg config.FunctionConfig) node.Flags {
	return node.Flags{
		TraceWithNft:       o.flag(FlagTraceWithNft),
		PureESM:            o.flag(FlagPureESM),
		PureESMMjs:         o.flag(FlagPureESMMjs) || cfg.NodeModuleFormat == config.ModuleFormatESM,
		OutputCJSExtension: o.flag(FlagOutputCJSExtension),
		ErrorCJSInESMScope: o.flag(FlagErrorCJSInESMScope),
	}
}

// discoverOptions makes prebuilt binaries target each function's go_arch.
func (o *Options) discoverOptions() discover.Options {
	return discover.Options{Arch: func(name string) string { return o.functionConfig(name).GoArch }}
}

// goParallel bounds concurrent go builds: each already compiles on every
// CPU, so more than half as many builds as CPUs only adds memory.
func (o *Options) goParallel() int {
	return max(1, min(o.Parallel, runtime.NumCPU()/2))
}
