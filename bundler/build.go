package bundler

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/zisi-build/zisi/config"
	"github.com/zisi-build/zisi/internal/archive"
	"github.com/zisi-build/zisi/internal/discover"
	"github.com/zisi-build/zisi/internal/golang"
	"github.com/zisi-build/zisi/internal/node"
	"github.com/zisi-build/zisi/internal/routes"
	"github.com/zisi-build/zisi/internal/source"
	"github.com/zisi-build/zisi/internal/workslot"
	"github.com/zisi-build/zisi/manifest"
)

// builder holds what every function build of one call shares.
type builder struct {
	// destDir is where archives are written (the staging folder);
	// publishDir, when set, where they will be published.
	destDir, publishDir string
	opts                Options
	comp                *archive.Compressor
	env                 *node.Env

	bootOnce sync.Once
	boot     *node.Bootstrap
	bootErr  error

	// analyses caches main-file analyses made by prebuild, by main file.
	analyses sync.Map

	goOnce sync.Once
	goTool *golang.Toolchain
	goErr  error

	// cache is the build cache; nil when it is off.
	cache *buildCache
}

// prebuild analyses the Node.js functions and bundles the ones that go
// through esbuild together (node.PrebuildEsbuild), so the packages they
// share are parsed once per build instead of once per function, and
// starts compiling the v2 functions' main files in batches
// (node.PrecompileMains) and parsing the others' ahead
// (node.PrefetchMains); call the returned function once the functions
// are built.
func (b *builder) prebuild(ctx context.Context, fns []discover.Function, skip []*FunctionError) (wait func()) {
	// Each plan parses a main file for its in-source configuration: on
	// every core, and kept for the function's build.
	planned := make([]*node.Input, len(fns))
	b.planEach(ctx, fns, b.opts.Parallel, func(i int, fn discover.Function) bool {
		return skip[i] == nil && fn.Runtime == discover.RuntimeJS && fn.Kind != discover.KindZip && fn.Name != discover.ReservedName
	}, func(i int, p *plan) {
		in := p.input(b.env)
		planned[i] = &in
	})
	var ins, v2 []node.Input
	for _, in := range planned {
		switch {
		case in == nil:
		case in.APIVersion() == 2:
			v2 = append(v2, *in)
		default:
			ins = append(ins, *in)
		}
	}
	node.PrebuildEsbuild(ctx, ins)
	mains := node.PrecompileMains(ctx, v2)
	scans := node.PrefetchMains(ctx, ins)
	return func() {
		mains()
		scans()
	}
}

// planEach plans, width at a time, the functions want accepts (until ctx
// ends), keeps each main-file analysis for the function's build, and
// passes every plan made to do; functions that fail to plan are left to
// their build to report.
func (b *builder) planEach(ctx context.Context, fns []discover.Function, width int, want func(int, discover.Function) bool, do func(int, *plan)) {
	workslot.Each(len(fns), width, func(i int) {
		fn := fns[i]
		if !want(i, fn) || ctx.Err() != nil {
			return
		}
		p, err := b.plan(fn, true)
		if err != nil {
			return
		}
		if p.analysis != nil {
			b.analyses.Store(p.fn.MainFile, p.analysis)
		}
		do(i, p)
	})
}

func (b *builder) analyse(fn discover.Function) (*source.Analysis, error) {
	if a, ok := b.analyses.Load(fn.MainFile); ok {
		return a.(*source.Analysis), nil
	}
	if err := regularFile(fn.MainFile); err != nil {
		return nil, err
	}
	return source.AnalyzeFile(fn.MainFile, fn.Name)
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
	if !utf8.ValidString(fn.SrcPath) {
		return nil, b.fail(fn, "", fmt.Errorf("%q is not valid UTF-8, so the manifest (JSON) cannot name it; rename it", fn.SrcPath))
	}
	p, err := b.plan(fn, true)
	if err != nil {
		return nil, b.fail(fn, "", err)
	}
	fn = p.fn
	cfg := p.cfg
	dest := filepath.Join(b.destDir, output)
	res := &FunctionResult{
		Name: fn.Name, MainFile: fn.MainFile, Runtime: string(fn.Runtime), Path: dest,
		Config: cfg, warns: p.warns,
	}
	// Every runtime carries these from the configuration (the reference's
	// formatZipResult); Node.js may override them below.
	res.reportConfig(cfg, false)
	switch {
	case fn.Kind == discover.KindZip:
		if err := checkPrebuiltZip(ctx, fn.MainFile, cfg); err != nil {
			return nil, b.fail(fn, "", err)
		}
		size, err := copyFile(fn.MainFile, dest, b.opts.Fsync)
		if err != nil {
			return nil, b.fail(fn, "", err)
		}
		res.Size = size
		return res, nil
	case fn.Kind == discover.KindBinary:
		if err := b.zipBinary(ctx, fn, res); err != nil {
			return nil, b.fail(fn, "", err)
		}
	case fn.Runtime == discover.RuntimeJS:
		bundlerName, err := b.buildNode(ctx, p, res)
		if err != nil {
			return nil, b.fail(fn, bundlerName, err)
		}
	case isGoSource(fn):
		if err := b.buildGo(ctx, fn, cfg, res); err != nil {
			return nil, b.fail(fn, "", err)
		}
	default:
		return nil, b.fail(fn, "", fmt.Errorf("%w: building %s source functions is not part of this zisi release yet; build the binary yourself and put it in the functions folder", ErrRuntimeUnavailable, fn.Runtime))
	}
	if fn.Generated && res.Generator == "" {
		// Prebuilt zips excepted, as in the reference.
		res.Generator = DefaultGenerator
	}
	if err := checkRoutes(res); err != nil {
		return nil, b.fail(fn, res.Bundler, err)
	}
	return res, nil
}

// eventFunctions are the names that make a function run on a platform
// event (with or without -background); such a function has no URL.
var eventFunctions = []string{
	"deploy-building", "deploy-succeeded", "deploy-failed", "deploy-deleted", "deploy-locked", "deploy-unlocked",
	"submission-created", "split-test-activated", "split-test-deactivated", "split-test-modified",
	"identity-validate", "identity-signup", "identity-login",
}

// checkRoutes refuses what Netlify Build refuses after bundling: a custom
// path on a scheduled or an event-triggered function. zisi fails that
// function instead of the whole build, before anything is published.
func checkRoutes(res *FunctionResult) error {
	if len(res.Routes) == 0 {
		return nil
	}
	if res.Schedule != "" {
		return fmt.Errorf("%w: function %q has a schedule (%q) and a custom path (%s): scheduled functions are not called over HTTP; remove the path from its config, or the schedule", ErrInvalidRoutes, res.Name, res.Schedule, res.Routes[0].Pattern)
	}
	if base := strings.TrimSuffix(strings.ToLower(res.Name), "-background"); slices.Contains(eventFunctions, base) {
		return fmt.Errorf("%w: function %q runs on the %s event, so it cannot have a custom path (%s); remove the path from its config, or rename the function", ErrInvalidRoutes, res.Name, base, res.Routes[0].Pattern)
	}
	return nil
}

// published names a path written in the staging folder by where it will
// be published, for messages.
func (b *builder) published(p string) string {
	if b.publishDir == "" {
		return p
	}
	if rel, err := filepath.Rel(b.destDir, p); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.Join(b.publishDir, rel)
	}
	return p
}

// regularFile refuses a main file that is not a regular file: reading a
// FIFO would block the build for ever, a device never ends.
func regularFile(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return fmt.Errorf("read %q: %w", p, err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("read %q: not a regular file (%s); a function's main file must be one", p, fi.Mode().Type())
	}
	return nil
}

// plan is everything decided about one function before it is built: its
// configuration (netlify.toml's patterns with the global overrides and,
// once the main file is analysed, its in-source configuration), and for a
// Node.js function the analysis and the bundler with its reason. Building,
// listing (ListFunctions without analysis, ListFunctionsFiles with it)
// and explaining all start here, so they never disagree.
type plan struct {
	fn  discover.Function
	cfg config.FunctionConfig
	// analysis is nil when the function was not analysed (a listing, or
	// not a Node.js source function).
	analysis        *source.Analysis
	bundler, reason string
	// warns are the function's configuration warnings (unknown keys in
	// its JSON configuration file).
	warns []Warning
	// flags are the module-format feature flags for this function.
	flags node.Flags
}

// plan decides fn's plan; analyse reads a Node.js main file for its API
// version, helpers and in-source configuration.
func (b *builder) plan(fn discover.Function, analyse bool) (*plan, error) {
	p := &plan{fn: fn, cfg: b.opts.functionConfig(fn.Name)}
	if b.opts.readsConfigFile(fn) {
		f, err := config.ReadJSONFile(fn.MainFile)
		if err != nil {
			return p, err
		}
		if f != nil {
			p.cfg = f.Apply(p.cfg)
			b.opts.applyOverrides(&p.cfg)
			for _, w := range f.Warnings {
				p.warns = append(p.warns, Warning{Function: fn.Name, Message: w.String()})
			}
		}
	}
	p.flags = b.opts.nodeFlags(p.cfg)
	if !analyse || fn.Runtime != discover.RuntimeJS || fn.Kind == discover.KindZip {
		return p, nil
	}
	fn = realDirsWith(fn, b.realDir)
	p.fn = fn
	a, err := b.analyse(fn)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", fn.MainFile, err)
	}
	if a.APIVersion == 2 {
		p.cfg = config.MergeSource(p.cfg, a.Config, fn.MainFile)
	}
	p.analysis = a
	p.bundler, p.reason = node.Select(p.input(b.env))
	return p, nil
}

// realDirs resolves the symbolic links of fn's folders (not of its main
// file itself): the bundlers ship packages at their real paths, so a site
// reached through a linked folder must be seen at its real path too, or an
// archive's paths would mix the two and nothing would be under the base.
func realDirs(fn discover.Function) discover.Function {
	return realDirsWith(fn, filepath.EvalSymlinks)
}

// realDirsWith is realDirs resolving links with eval, which must answer
// what filepath.EvalSymlinks does.
func realDirsWith(fn discover.Function, eval func(string) (string, error)) discover.Function {
	if d, err := eval(filepath.Dir(fn.MainFile)); err == nil {
		fn.MainFile = filepath.Join(d, filepath.Base(fn.MainFile))
	}
	if d, err := eval(fn.SrcDir); err == nil {
		fn.SrcDir = d
	}
	if d, err := eval(filepath.Dir(fn.SrcPath)); err == nil {
		fn.SrcPath = filepath.Join(d, filepath.Base(fn.SrcPath))
	}
	return fn
}

// realDir is filepath.EvalSymlinks(dir) from the build's resolver, which
// answers each folder once per build (every function of a folder is
// planned twice: ahead, then when it is built), for the absolute paths it
// takes.
func (b *builder) realDir(dir string) (string, error) {
	if filepath.Separator == '/' && filepath.IsAbs(dir) {
		return b.env.Resolver.Realpath(dir)
	}
	return filepath.EvalSymlinks(dir)
}

// input is the plan as the Node.js bundlers take it.
func (p *plan) input(env *node.Env) node.Input {
	return node.Input{Function: p.fn, Config: p.cfg, Analysis: p.analysis, Env: env, Flags: p.flags}
}

// buildNode bundles a Node.js function and writes its archive.
func (b *builder) buildNode(ctx context.Context, p *plan, res *FunctionResult) (string, error) {
	fn, in := p.fn, p.input(b.env)
	if s := in.Analysis.Schedule; s != "" {
		// A v1 schedule("…", handler) call; netlify.toml and in-source
		// values are checked where they are read.
		if err := config.ValidateSchedule(s); err != nil {
			return "", fmt.Errorf("%s: schedule(): %w", fn.MainFile, err)
		}
	}
	cfg, analysis := in.Config, in.Analysis
	apiVersion := in.APIVersion()
	bundle, err := node.Build(ctx, in)
	if err != nil {
		return p.bundler, err
	}
	lo := node.LayOptions{DirOutput: b.opts.ArchiveFormat == ArchiveNone, APIVersion: apiVersion, Branch: b.opts.Branch, Flags: in.Flags}
	if apiVersion == 2 {
		if lo.Bootstrap, err = b.bootstrap(ctx, fn); err != nil {
			return bundle.Bundler, err
		}
	}
	if b.opts.flag(FlagAddInstrumentationLoader) {
		// The telemetry file comes from the bootstrap package, for every
		// Node.js archive (v1 too), as in the reference; directory output
		// names no service (the reference passes no generator there).
		boot, err := b.bootstrap(ctx, fn)
		if err != nil {
			return bundle.Bundler, err
		}
		generator := cfg.Generator
		if lo.DirOutput {
			generator = ""
		}
		if lo.Telemetry, err = node.TelemetryFile(boot, generator); err != nil {
			return bundle.Bundler, err
		}
	}
	layout, err := node.Lay(fn, bundle, lo)
	if err != nil {
		return bundle.Bundler, err
	}
	routes, excluded, err := v2Routes(apiVersion, cfg)
	if err != nil {
		return bundle.Bundler, err
	}
	res.Config = cfg
	if err := b.writeArchive(ctx, res, layout.Entries, b.opts.ArchiveFormat == ArchiveNone); err != nil {
		return bundle.Bundler, err
	}
	prio := priority(fn)
	res.Bundler, res.BundlerReason = bundle.Bundler, bundle.BundlerReason
	res.EntryFilename, res.BootstrapVersion = layout.EntryFilename, layout.BootstrapVersion
	res.Inputs, res.IncludedFiles = bundle.Inputs, bundle.IncludedFiles
	res.includeRoots = slices.Concat(bundle.IncludeRoots, bundle.GlobRoots)
	res.missing = bundle.Missing
	res.NativeNodeModules = bundle.NativeNodeModules
	res.Selection = bundle.Selection
	for _, m := range bundle.Warnings {
		res.BundlerWarnings = append(res.BundlerWarnings, toMessage(m))
		res.warns = append(res.warns, Warning{Function: fn.Name, Message: m.String()})
	}
	for _, m := range bundle.Notes {
		res.notes = append(res.notes, Warning{Function: fn.Name, Message: m.String()})
	}
	for _, m := range bundle.FallbackErrors {
		res.BundlerErrors = append(res.BundlerErrors, toMessage(m))
		res.warns = append(res.warns, Warning{Function: fn.Name, Message: "esbuild could not bundle this function, so the zisi bundler shipped it instead: " + m.String()})
	}
	res.OutputModuleFormat = "cjs"
	if strings.HasSuffix(bundle.MainFile, ".mjs") {
		res.OutputModuleFormat = "esm"
	}
	res.Priority = &prio
	res.reportConfig(cfg, true)
	if analysis.Schedule != "" {
		res.Schedule = analysis.Schedule
	}
	if analysis.Parsed {
		res.RuntimeAPIVersion = apiVersion
	}
	res.RuntimeVersion = runtimeVersion(apiVersion, cfg.NodeVersion)
	res.InvocationMode = invocationMode(fn.Name, apiVersion, analysis.InvocationMode, cfg)
	res.EventSubscriptions = analysis.EventSubscriptions
	res.Routes, res.ExcludedRoutes = routes, excluded
	res.TrafficRules = trafficRules(cfg.RateLimit)
	return bundle.Bundler, nil
}

// bootstrap finds the v2 bootstrap once per build.
func (b *builder) bootstrap(ctx context.Context, fn discover.Function) (*node.Bootstrap, error) {
	b.bootOnce.Do(func() {
		o := node.BootstrapOptions{Dir: b.opts.BootstrapDir, SiteDirs: []string{fn.SrcDir}, CacheDir: b.opts.userCache(), OnFetch: func() {
			b.emit(Event{Kind: EventStep, Function: fn.Name, Runtime: string(fn.Runtime), Step: "npm pack " + node.BootstrapPackage + "@" + node.BootstrapVersion + " (once per machine)"})
		}}
		if b.opts.BasePath != "" {
			o.SiteDirs = append(o.SiteDirs, b.opts.BasePath)
		}
		b.boot, b.bootErr = node.FindBootstrap(ctx, o)
	})
	return b.boot, b.bootErr
}

// invocationMode follows the reference (§8.6): what the source says
// (v1 stream(), v2 background: true), then a -background name, then
// background = true in the configuration; v2 functions otherwise stream.
func invocationMode(name string, apiVersion int, fromSource string, cfg config.FunctionConfig) string {
	mode := fromSource
	if strings.HasSuffix(name, "-background") || (cfg.Background != nil && *cfg.Background) {
		mode = "background"
	}
	if apiVersion == 2 && mode != "background" {
		mode = "stream"
	}
	return mode
}

// v2Routes builds the routes of a v2 function from its path, method,
// excludedPath and preferStatic settings; both lists are empty (not nil)
// for v2 functions without paths, and nil for v1.
func v2Routes(apiVersion int, cfg config.FunctionConfig) (routes, excluded []manifest.Route, err error) {
	if apiVersion != 2 {
		return nil, nil, nil
	}
	routes, err = routesFor(cfg.Path)
	if err != nil {
		return nil, nil, err
	}
	methods := cfg.Method
	if methods == nil {
		methods = []string{}
	}
	for i := range routes {
		m := slices.Clone(methods)
		routes[i].Methods = &m
		routes[i].PreferStatic = cfg.PreferStatic != nil && *cfg.PreferStatic
	}
	excluded, err = routesFor(cfg.ExcludedPath)
	return routes, excluded, err
}

func routesFor(paths []string) ([]manifest.Route, error) {
	r, err := routes.Routes(paths)
	if err != nil {
		return nil, err
	}
	if r == nil {
		r = []manifest.Route{}
	}
	return r, nil
}

// trafficRules turns a rateLimit setting into the manifest's rules.
func trafficRules(r *config.RateLimit) *manifest.TrafficRules {
	if r == nil {
		return nil
	}
	t := &manifest.TrafficRules{Action: manifest.TrafficAction{Type: r.Action}}
	if t.Action.Type == "" {
		t.Action.Type = "rate_limit"
	}
	c := &t.Action.Config
	c.To = r.To
	c.RateLimitConfig = manifest.RateLimitConfig{WindowLimit: r.WindowLimit, WindowSize: r.WindowSize, Algorithm: r.Algorithm}
	if c.RateLimitConfig.Algorithm == "" {
		c.RateLimitConfig.Algorithm = "sliding_window"
	}
	keys := r.AggregateBy
	if keys == nil {
		keys = []string{"domain"}
	}
	for _, k := range keys {
		c.Aggregate.Keys = append(c.Aggregate.Keys, manifest.AggregateKey{Type: k})
	}
	return t
}

// runtimeVersion maps the Node.js version to the Lambda runtime name
// (reference §10.3): v1 functions without a known version get none; v2
// functions default to nodejs24.x, except that a newer major Lambda does
// not offer yet gets none.
func runtimeVersion(apiVersion int, version string) string {
	major, ok := config.NodeMajor(version)
	if apiVersion == 2 && (!ok || major < 18) {
		return fmt.Sprintf("nodejs%d.x", config.DefaultNodeMajor)
	}
	if !ok {
		return ""
	}
	switch major {
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
	if err := b.writeArchive(ctx, res, entries, false); err != nil {
		return err
	}
	// As the reference reports them: a Go binary is zipped as bootstrap
	// (with zipGo), a Rust one has no entry file name.
	if fn.Runtime == discover.RuntimeGo {
		res.EntryFilename = "bootstrap"
	}
	return nil
}

func isGoSource(fn discover.Function) bool {
	return fn.Runtime == discover.RuntimeGo && fn.Kind == discover.KindDir
}

// toolchain finds the go command once per build, on first need.
func (b *builder) toolchain(ctx context.Context) (*golang.Toolchain, error) {
	b.goOnce.Do(func() { b.goTool, b.goErr = golang.FindToolchain(ctx, b.opts.Env) })
	return b.goTool, b.goErr
}

// buildGo compiles a Go source function and zips the binary as
// `bootstrap`, as the reference does with zipGo. The binary goes to a
// private temporary folder, never into the destination, so a failed or
// cancelled build leaves nothing there.
func (b *builder) buildGo(ctx context.Context, fn discover.Function, cfg config.FunctionConfig, res *FunctionResult) error {
	tc, err := b.toolchain(ctx)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "zisi-go-")
	if err != nil {
		return fmt.Errorf("create a temporary folder: %w", err)
	}
	defer os.RemoveAll(tmp)
	bin, unlock := b.goBinary(tc, fn, cfg.GoArch)
	if bin == "" {
		bin = filepath.Join(tmp, "bootstrap")
	}
	defer unlock()
	b.emit(Event{Kind: EventStep, Function: fn.Name, Runtime: string(fn.Runtime), Step: "go build for linux/" + cmp.Or(cfg.GoArch, "amd64")})
	if _, err := tc.Build(ctx, golang.Request{Dir: fn.SrcDir, Arch: cfg.GoArch, Out: bin, WorkDir: tmp}); err != nil {
		return err
	}
	// Read, not referenced by path: the compressor caches by file
	// identity, which a deleted temporary file must not take part in.
	data, err := os.ReadFile(bin)
	if err != nil {
		return fmt.Errorf("read %q: %w", bin, err)
	}
	entries := []archive.Entry{
		{Name: "bootstrap", Data: data, Executable: true},
		{Name: "netlify-toolchain", Data: toolchainFile(fn.Runtime)},
	}
	if err := b.writeArchive(ctx, res, entries, false); err != nil {
		return err
	}
	res.EntryFilename = "bootstrap"
	return nil
}

// goBinary is where a Go function's binary is built: a folder of the
// per-user cache (CacheDir/go-bin), one per function folder, target and
// toolchain, so that the go command, whose build cache holds the
// compiled packages but not the linked binary, finds the binary up to
// date and skips the link (half a second for a small function) when
// nothing changed. It holds a lock on that folder until unlock is called
// (other zisi processes wait). It returns "" when there is no cache
// folder; the caller then builds in its temporary folder.
func (b *builder) goBinary(tc *golang.Toolchain, fn discover.Function, arch string) (bin string, unlock func()) {
	nothing := func() {}
	base := b.opts.userCache()
	if base == "" {
		return "", nothing
	}
	key := sha256.Sum256([]byte(strings.Join([]string{fn.SrcDir, cmp.Or(arch, "amd64"), tc.Go, tc.Version}, "\x00")))
	dir := filepath.Join(base, "go-bin", hex.EncodeToString(key[:16]))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", nothing
	}
	release, err := lockPath(filepath.Join(dir, "lock"))
	if err != nil {
		return "", nothing
	}
	return filepath.Join(dir, "bootstrap"), release
}

// copyFile copies a prebuilt archive byte for byte, atomically (synced
// first when durable).
func copyFile(src, dest string, durable bool) (int64, error) {
	in, err := os.Open(src)
	if err != nil {
		return 0, fmt.Errorf("open %q: %w", src, err)
	}
	defer in.Close()
	data, err := io.ReadAll(in)
	if err != nil {
		return 0, fmt.Errorf("read %q: %w", src, err)
	}
	if err := archive.WriteFile(dest, data, durable); err != nil {
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
