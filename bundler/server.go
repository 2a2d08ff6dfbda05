package bundler

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/zisi-build/zisi/config"
	"github.com/zisi-build/zisi/internal/archive"
	"github.com/zisi-build/zisi/internal/discover"
	"github.com/zisi-build/zisi/internal/node"
	"github.com/zisi-build/zisi/manifest"
)

// The Netlify Server, as the reference's server.ts builds it.
const (
	// ServerArchiveName is the server's archive in the destination: a
	// gzip-compressed tar, as the reference writes it (its "Netlify
	// Play" format, not a zip).
	ServerArchiveName = "server.tgz"
	// serverName labels the server in errors; a server has no name of
	// its own.
	serverName = "server"
	// serverRoute claims every path the rest of the deploy does not.
	serverRoute = "/*"
)

// ServerEntryNames are the entry files FindServerEntry accepts, sorted as
// it reports them.
var ServerEntryNames = []string{"index.js", "index.mjs", "index.mts", "index.ts"}

// Sentinels of FindServerEntry; match with errors.Is.
var (
	// ErrNoServerEntry: the folder is missing, is not a folder, or holds
	// none of ServerEntryNames. The reference reports this as no server
	// (undefined), so a deploy tool treats it as "the site has none".
	ErrNoServerEntry = errors.New("no server entry")
	// ErrMultipleServerEntries: the folder holds more than one of
	// ServerEntryNames.
	ErrMultipleServerEntries = errors.New("multiple server entries")
)

// FindServerEntry returns the server entry file in dir: the one file
// named index.js, index.mjs, index.ts or index.mts there. Mirrors the
// reference's findServerEntry: names are matched exactly (a folder with
// such a name counts too, and ZipServer then refuses it), a missing dir
// or one that is not a folder means no server (ErrNoServerEntry, where the
// reference returns undefined), and two or more candidates are an error
// (ErrMultipleServerEntries) listing them in sorted order.
func FindServerEntry(dir string) (string, error) {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "", fmt.Errorf("%w: server folder %q does not exist; create it with the server's entry file (%s), or point at the folder that holds it", ErrNoServerEntry, dir, strings.Join(ServerEntryNames, ", "))
	case err != nil && isNotDir(dir):
		return "", fmt.Errorf("%w: server folder %q is a file, not a folder; point at the folder that holds the server's entry file (%s)", ErrNoServerEntry, dir, strings.Join(ServerEntryNames, ", "))
	}
	if err != nil {
		return "", fmt.Errorf("list server folder %q: %w", dir, err)
	}
	var found []string
	for _, e := range entries {
		if slices.Contains(ServerEntryNames, e.Name()) {
			found = append(found, e.Name())
		}
	}
	slices.Sort(found)
	switch len(found) {
	case 0:
		return "", fmt.Errorf("%w: server folder %q holds none of %s; add one of them as the server's entry file", ErrNoServerEntry, dir, strings.Join(ServerEntryNames, ", "))
	case 1:
		return filepath.Join(dir, found[0]), nil
	}
	return "", fmt.Errorf("%w: server folder %q holds %s, and a site can have one server only; keep one of them (merge the others into it)", ErrMultipleServerEntries, dir, strings.Join(found, ", "))
}

func isNotDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir()
}

// ServerResult describes the built Netlify Server. Its JSON form is the
// reference's ServerResult (zipServer's return value), with its key order
// and presence rules; the fields marked zisi-only are left out of it.
type ServerResult struct {
	Bundler  string
	MainFile string
	// Path is the archive written, joined from the destination as given.
	Path           string
	Runtime        string
	RuntimeVersion string
	Memory         int
	Region         string
	Vcpu           float64
	// Routes is always the one route /* with prefer_static.
	Routes []manifest.Route
	// ExcludedRoutes come from the entry's in-source excludedPath; empty,
	// not nil, without one, and nil when the entry does not look like a
	// v2 function (no default export), as in the reference.
	ExcludedRoutes []manifest.Route

	// zisi-only: the archive's size, the entry file the platform loads,
	// the bundler's reason, the files read and included, why each file
	// ships, the warnings and notes, and the manifest written.
	Size          int64
	EntryFilename string
	BundlerReason string
	Inputs        []string
	IncludedFiles []string
	Selection     *Selection
	Warnings      []Warning
	Notes         []Warning
	Manifest      string
}

// MarshalJSON writes the reference's keys in its order.
func (r ServerResult) MarshalJSON() ([]byte, error) {
	var o object
	o.add("bundler", r.Bundler, r.Bundler != "")
	o.add("excludedRoutes", r.ExcludedRoutes, r.ExcludedRoutes != nil)
	o.add("mainFile", r.MainFile, true)
	o.add("memory", r.Memory, r.Memory != 0)
	o.add("path", r.Path, true)
	o.add("region", r.Region, r.Region != "")
	o.add("routes", r.Routes, r.Routes != nil)
	o.add("runtime", r.Runtime, true)
	o.add("runtimeVersion", r.RuntimeVersion, r.RuntimeVersion != "")
	o.add("vcpu", r.Vcpu, r.Vcpu != 0)
	return o.bytes()
}

// ManifestEntry is the result's entry in the server manifest, with the
// archive path made absolute.
func (r *ServerResult) ManifestEntry() (manifest.Server, error) {
	abs, err := filepath.Abs(r.Path)
	if err != nil {
		return manifest.Server{}, fmt.Errorf("resolve %q: %w", r.Path, err)
	}
	return manifest.Server{
		Bundler: r.Bundler, MainFile: r.MainFile, Memory: r.Memory, Path: abs, Region: r.Region,
		Runtime: r.Runtime, RuntimeVersion: r.RuntimeVersion, Vcpu: r.Vcpu,
		Routes: r.Routes, ExcludedRoutes: r.ExcludedRoutes,
	}, nil
}

// ZipServer builds the Netlify Server into destDir/server.tgz and writes
// the server manifest (Options.ManifestPath, else destDir/manifest.json),
// as the reference's zipServer does. path is the server's entry file, or
// a folder whose entry FindServerEntry finds.
//
// The server is built like a v2 function whatever it exports (traced with
// nft unless its in-source config says node_bundler "none"), with the
// in-source configuration of its entry (memory, region, vcpu,
// excludedPath; its path is ignored, the route is always /* with
// prefer_static). netlify.toml (Options.Config) does not apply, as the
// reference's zipServer takes none; Options.NodeVersion does. The archive
// holds the compiled entry and the packages it reaches, relative to the
// base path, a ___netlify-entry-point.mjs that re-exports the entry module
// as `func`, and a ___netlify-server.json marker; no v2 bootstrap, which
// the platform's server runtime brings.
//
// Like ZipFunctions it is atomic: the archive is staged in destDir and
// replaces the previous one, with the manifest last, only when the build
// succeeded, under destDir's lock. A failure is a *FunctionError naming
// the server ("server") and its entry.
func ZipServer(ctx context.Context, path, destDir string, opts Options) (*ServerResult, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if o.ArchiveFormat != ArchiveZip {
		return nil, fmt.Errorf("%w: archive format %q: the Netlify Server is always written as %s; leave the archive format unset for it", ErrInvalidOptions, o.ArchiveFormat, ServerArchiveName)
	}
	entry, err := serverEntry(path)
	if err != nil {
		return nil, err
	}
	fn := realDirs(discover.Function{
		Name: serverName, MainFile: entry, SrcDir: filepath.Dir(entry), SrcPath: entry,
		Filename: filepath.Base(entry), Extension: filepath.Ext(entry), Runtime: discover.RuntimeJS, Kind: discover.KindFile,
	})
	manifestPath, err := checkManifestPath(nil, destDir, o.ManifestPath, []string{ServerArchiveName})
	if err != nil {
		return nil, err
	}
	st, err := openStage(ctx, destDir, o)
	if err != nil {
		return nil, err
	}
	defer st.close()
	b := newBuilder(st.dir, []discover.Function{fn}, o)
	res, ferr := b.safeBuildServer(ctx, fn)
	if ferr != nil {
		return nil, ferr
	}
	for _, err := range b.comp.WaitSync() {
		return nil, err // with Fsync: the archive did not reach the disk
	}
	res.Warnings = append(flagWarnings(o.FeatureFlags), res.Warnings...)
	res.Path = filepath.Join(destDir, ServerArchiveName)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	entryData, err := res.ManifestEntry()
	if err != nil {
		return nil, err
	}
	data, err := manifest.MarshalServer(&manifest.ServerManifest{
		Server: entryData, System: manifest.CurrentSystem(), Timestamp: o.Now().UnixMilli(), Version: manifest.Version,
	})
	if err != nil {
		return nil, err
	}
	if _, err := st.commit([]string{ServerArchiveName}, manifestPath, data); err != nil {
		return nil, err
	}
	res.Manifest = manifestPath
	return res, nil
}

// serverEntry resolves ZipServer's path to the entry file: a folder's
// entry (FindServerEntry), or the file itself when it is a Node.js source
// file.
func serverEntry(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("resolve %q: %w", path, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return "", fmt.Errorf("%w: read server entry %q: %w; pass the server's folder or its entry file (%s)", ErrNoServerEntry, path, err, strings.Join(ServerEntryNames, ", "))
	}
	if fi.IsDir() {
		return FindServerEntry(abs)
	}
	if ext := filepath.Ext(abs); ext == ".zip" || !slices.Contains(discover.Extensions, ext) {
		return "", fmt.Errorf("%w: %q is not a Node.js source file; the Netlify Server is built from its entry file (%s)", ErrInvalidOptions, path, strings.Join(ServerEntryNames, ", "))
	}
	return abs, nil
}

// safeBuildServer is buildServer with a panic turned into the server's
// error (ErrInternal, with the stack), as safeBuild does for functions.
func (b *builder) safeBuildServer(ctx context.Context, fn discover.Function) (res *ServerResult, ferr *FunctionError) {
	defer func() {
		if v := recover(); v != nil {
			res, ferr = nil, b.fail(fn, "", fmt.Errorf("%w: %v; please report it with this stack:\n%s", ErrInternal, v, debug.Stack()))
		}
	}()
	if err := ctx.Err(); err != nil {
		return nil, b.fail(fn, "", err)
	}
	bundlerName, res, err := b.buildServer(ctx, fn)
	if err != nil {
		return nil, b.fail(fn, bundlerName, err)
	}
	return res, nil
}

// buildServer bundles the server with the v2 pipeline (the reference
// forces runtimeAPIVersion 2 for a server), lays it out for the server
// runtime and writes b.destDir/server.tgz.
func (b *builder) buildServer(ctx context.Context, fn discover.Function) (string, *ServerResult, error) {
	if err := regularFile(fn.MainFile); err != nil {
		return "", nil, err
	}
	a, err := b.analyse(fn)
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w", fn.MainFile, err)
	}
	v2 := *a
	v2.APIVersion = 2
	cfg := config.MergeSource(config.FunctionConfig{NodeVersion: b.opts.NodeVersion}, v2.Config, fn.MainFile)
	in := node.Input{Function: fn, Config: cfg, Analysis: &v2, Env: b.env}
	bundle, err := node.Build(ctx, in)
	if err != nil {
		bundlerName, _ := node.Select(in)
		return bundlerName, nil, err
	}
	lo := node.LayOptions{APIVersion: 2, Server: true}
	if b.opts.flag(FlagAddInstrumentationLoader) {
		// As for functions; the reference names no generator for the
		// server.
		boot, err := b.bootstrap(ctx, fn)
		if err != nil {
			return bundle.Bundler, nil, err
		}
		if lo.Telemetry, err = node.TelemetryFile(boot, ""); err != nil {
			return bundle.Bundler, nil, err
		}
	}
	layout, err := node.Lay(fn, bundle, lo)
	if err != nil {
		return bundle.Bundler, nil, err
	}
	_, excluded, err := v2Routes(2, cfg)
	if err != nil {
		return bundle.Bundler, nil, err
	}
	if a.APIVersion != 2 {
		// The reference reports excluded routes from its source analysis,
		// which has none for a file that does not look like a v2 function
		// (module.exports, say).
		excluded = nil
	}
	routes, err := routesFor([]string{serverRoute})
	if err != nil {
		return bundle.Bundler, nil, err
	}
	for i := range routes {
		routes[i].PreferStatic = true
	}
	size, err := archive.WriteTarGz(ctx, filepath.Join(b.destDir, ServerArchiveName), layout.Entries, b.comp)
	if err != nil {
		return bundle.Bundler, nil, err
	}
	// The configuration keys the reference reports, with the same rules
	// as for functions.
	var reported FunctionResult
	reported.reportConfig(cfg, true)
	res := &ServerResult{
		Bundler: bundle.Bundler, BundlerReason: bundle.BundlerReason, MainFile: fn.MainFile, Runtime: string(fn.Runtime),
		RuntimeVersion: runtimeVersion(2, cfg.NodeVersion),
		Memory:         reported.Memory, Region: reported.Region, Vcpu: reported.Vcpu,
		Routes: routes, ExcludedRoutes: excluded,
		Size: size, EntryFilename: layout.EntryFilename,
		Inputs: bundle.Inputs, IncludedFiles: bundle.IncludedFiles, Selection: bundle.Selection,
	}
	for _, m := range bundle.Warnings {
		res.Warnings = append(res.Warnings, Warning{Function: serverName, Message: m.String()})
	}
	for _, m := range bundle.Notes {
		res.Notes = append(res.Notes, Warning{Function: serverName, Message: m.String()})
	}
	return bundle.Bundler, res, nil
}
