package bundler

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"golang.org/x/mod/modfile"

	"github.com/zisi-build/zisi/config"
	"github.com/zisi-build/zisi/internal/cache"
	"github.com/zisi-build/zisi/internal/discover"
	"github.com/zisi-build/zisi/internal/golang"
	"github.com/zisi-build/zisi/internal/node"
)

// CacheStats says how a build used the build cache.
type CacheStats struct {
	// Dir is the cache folder; Remote names the shared store, if any.
	Dir, Remote string
	// Hits are the functions restored from the cache; Misses the ones
	// built (and stored). Functions the cache does not hold (prebuilt
	// zips, directory output) count as neither.
	Hits, Misses int
	// RemoteHits are the hits whose entry came from the shared store.
	RemoteHits int
}

// cacheFormat changes when what a record holds changes meaning.
const cacheFormat = "zisi build cache 1"

// maxCandidates bounds how many input states are remembered per plan:
// enough to switch between a few branches and still hit.
const maxCandidates = 4

// buildCache is one build's use of the cache.
type buildCache struct {
	store  *cache.Store
	remote *cache.Remote
	ix     *cache.Index
	snap   *cache.Snapshot
	// zisi is the digest of the running executable: any change to zisi
	// changes every key.
	zisi string
	// skip are the folders never probed: the destination (with its
	// staging folder) and the cache itself.
	skip []string

	hits, misses, remoteHits atomic.Int64

	// memo shares the dependency walks of the build's functions.
	memo *cache.Memo

	// groups memoises groupSum; written the group records this build
	// stored; why what changed for a plan whose latest entry missed.
	groups, written, why sync.Map

	mu      sync.Mutex
	pending []*pending
	// preparing counts the prepare calls started; prepareSlots bounds
	// how many run at once.
	preparing    sync.WaitGroup
	prepareSlots chan struct{}
	warns        []Warning
	// warned keeps one warning per kind of problem.
	warned map[string]bool
}

// openCache opens the build cache for a build, or returns nil (with a
// warning in the report) when it cannot: a cache problem never fails a
// build.
func openCache(ctx context.Context, o Options, dest string) (*buildCache, []Warning) {
	if !o.Cache || o.ArchiveFormat == ArchiveNone {
		return nil, nil
	}
	dir := o.cacheDir()
	if dir == "" {
		return nil, []Warning{{Message: "no user cache folder (set ZISI_CACHE_DIR or --cache-dir), so the build cache is off"}}
	}
	store, err := cache.Open(dir, o.CacheMaxSize)
	if err != nil {
		return nil, []Warning{{Message: err.Error() + "; building without it"}}
	}
	c := &buildCache{store: store, warned: map[string]bool{}, skip: []string{dest, dir}, memo: cache.NewMemo(),
		prepareSlots: make(chan struct{}, max(1, o.Parallel))}
	if real, err := resolvePath(dest); err == nil {
		c.skip = append(c.skip, real)
	}
	if real, err := resolvePath(dir); err == nil {
		c.skip = append(c.skip, real)
	}
	c.ix = store.LoadIndex(siteKey(o))
	c.snap = cache.NewSnapshot(c.ix)
	exe, err := os.Executable()
	if err == nil {
		exe, err = filepath.EvalSymlinks(exe)
	}
	if err != nil {
		return nil, []Warning{{Message: fmt.Sprintf("cannot find zisi's own executable (%v), which every cache key covers, so the build cache is off", err)}}
	}
	c.zisi = c.snap.Values([]cache.Probe{{Kind: 'f', Path: exe}})[0].Value
	if o.RemoteCache != "" {
		r, err := cache.OpenRemote(ctx, o.RemoteCache, cache.RemoteOptions{Timeout: o.RemoteTimeout, Warn: func(msg string) { c.warn("remote", msg) }})
		if err != nil {
			c.warn("remote", err.Error()+"; building with the local cache only")
		} else {
			c.remote = r
		}
	}
	return c, nil
}

// siteKey names the site for its stat index: the base path, else the
// working directory.
func siteKey(o Options) string {
	if o.BasePath != "" {
		return o.BasePath
	}
	wd, _ := os.Getwd()
	return wd
}

// userCache is the per-user cache folder: CacheDir, else
// node.DefaultCacheDir ("" when there is none).
func (o *Options) userCache() string { return cmp.Or(o.CacheDir, node.DefaultCacheDir()) }

// cacheDir is where the build cache lives: the per-user cache's build/.
func (o *Options) cacheDir() string {
	d := o.userCache()
	if d == "" {
		return ""
	}
	return filepath.Join(d, "build")
}

// skipped reports whether dir is, or is inside, a folder never probed
// (paths here are absolute and clean).
func (c *buildCache) skipped(dir string) bool {
	for _, s := range c.skip {
		if dir == s || strings.HasPrefix(dir, s+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// warn adds a site-level warning once per kind.
func (c *buildCache) warn(kind, msg string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.warned[kind] {
		return
	}
	c.warned[kind] = true
	c.warns = append(c.warns, Warning{Message: "build cache: " + msg})
}

// finish saves the stat index, waits for the uploads, trims the store
// to its bound and reports.
func (c *buildCache) finish(ctx context.Context) (*CacheStats, []Warning) {
	if c == nil {
		return nil, nil
	}
	if err := c.ix.Save(); err != nil {
		c.warn("index", err.Error())
	}
	st := &CacheStats{Dir: c.store.Dir(), Hits: int(c.hits.Load()), Misses: int(c.misses.Load()), RemoteHits: int(c.remoteHits.Load())}
	if c.remote != nil {
		st.Remote = c.remote.String()
		c.remote.Flush(ctx)
		c.remote.Close()
	}
	if _, _, err := c.store.Trim(); err != nil {
		c.warn("trim", err.Error())
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return st, c.warns
}

// cacheable says whether fn's output goes through the cache: every built
// archive does; a prebuilt .zip is copied, which costs what a restore
// would.
func cacheable(fn discover.Function) bool {
	return fn.Kind != discover.KindZip && fn.Name != discover.ReservedName
}

// planKey is everything decided before a function is built that its
// archive and result depend on, hashed. The file system the build reads
// is not in it: that is what the probes of each candidate check.
type planKey struct {
	Format   string
	Zisi     string
	Function discover.Function
	Config   config.FunctionConfig
	Bundler  string
	Reason   string
	Flags    node.Flags
	Warnings []Warning

	ArchiveFormat  ArchiveFormat
	BasePath       string
	RepositoryRoot string
	Roots          []string
	Exclude        []string
	FeatureFlags   map[string]bool
	Branch         string
	BootstrapDir   string
	Bootstrap      string `json:",omitempty"`
	Go             string `json:",omitempty"`
	GoEnv          []string
}

// key returns the plan key of p, or "" when fn cannot be cached now (its
// bootstrap or toolchain cannot be found: building says why).
func (b *builder) key(ctx context.Context, p *plan) string {
	fn := p.fn
	k := planKey{
		Format: cacheFormat, Zisi: b.cache.zisi, Function: fn, Config: p.cfg, Bundler: p.bundler, Reason: p.reason,
		Flags: p.flags, Warnings: p.warns,
		ArchiveFormat: b.opts.ArchiveFormat, BasePath: b.opts.BasePath, RepositoryRoot: b.opts.RepositoryRoot,
		Roots: b.env.Roots, Exclude: b.env.Exclude, FeatureFlags: b.opts.FeatureFlags, Branch: b.opts.Branch,
		BootstrapDir: b.opts.BootstrapDir,
	}
	if fn.Runtime == discover.RuntimeJS && (p.analysis != nil && p.analysis.APIVersion == 2 || b.opts.flag(FlagAddInstrumentationLoader)) {
		boot, err := b.bootstrap(ctx, fn)
		if err != nil {
			return ""
		}
		k.Bootstrap = boot.Version + " " + boot.Source
	}
	if isGoSource(fn) {
		tc, err := b.toolchain(ctx)
		if err != nil {
			return ""
		}
		k.Go = tc.Go + " " + tc.Version + " " + tc.GOTOOLCHAIN + " " + tc.GOWORK
		for _, kv := range tc.Env {
			if strings.HasPrefix(kv, "GO") || strings.HasPrefix(kv, "CGO_") {
				k.GoEnv = append(k.GoEnv, kv)
			}
		}
		slices.Sort(k.GoEnv)
	}
	data, err := json.Marshal(k)
	if err != nil {
		return ""
	}
	return digest(data)
}

func digest(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// candidate is one input state seen for a plan: the function's own
// probes with their answers, the package groups with the digest of
// theirs, and the entry built from them.
type candidate struct {
	Own    []cache.Observed `json:"own"`
	Groups []groupRef       `json:"groups,omitempty"`
	Entry  string           `json:"entry"`
}

// groupRef names a group record (a package's probes, shared by the
// functions that use it) and the digest of its answers.
type groupRef struct {
	Key string `json:"k"`
	Sum string `json:"s"`
}

// groupState is a group record read once per build, and its digest.
type groupState struct {
	once sync.Once
	sum  string
	ok   bool
}

// entry is a cached build of one function.
type entry struct {
	Result storedResult `json:"result"`
	Warns  []Warning    `json:"warns,omitempty"`
	Notes  []Warning    `json:"notes,omitempty"`
	// Blob is the archive's SHA-256 (its name in the store), CRC its
	// CRC-32C (checked on every restore), Size its length.
	Blob string `json:"blob"`
	CRC  uint32 `json:"crc"`
	Size int64  `json:"size"`
}

// storedResult is FunctionResult with its exported fields as they are,
// not the reference's JSON form (which drops some).
type storedResult FunctionResult

// getRecord reads a record, locally, else from the remote store (then
// kept locally). A corrupt record is a miss with a warning.
func (c *buildCache) getRecord(ctx context.Context, key string) ([]byte, bool, bool) {
	data, err := c.store.Get(key)
	if err == nil {
		return data, true, false
	}
	if errors.Is(err, cache.ErrCorrupt) {
		c.warn("corrupt", err.Error()+"; it was removed and that function rebuilt")
	}
	if c.remote == nil {
		return nil, false, false
	}
	rec, err := c.remote.Get(ctx, "v1/rec/"+key)
	if err != nil {
		return nil, false, false
	}
	payload, err := cache.Decode(rec)
	if err != nil {
		c.warn("remote-corrupt", fmt.Sprintf("record %s from %s: %v; ignored, and that function rebuilt", key, c.remote, err))
		return nil, false, false
	}
	c.store.Put(key, payload)
	return payload, true, true
}

// lookup restores fn's archive into dest and returns its result when the
// cache holds a build of the same plan whose probes all still hold.
func (b *builder) lookup(ctx context.Context, key string, dest string) *FunctionResult {
	c := b.cache
	data, ok, _ := c.getRecord(ctx, key)
	if !ok {
		return nil
	}
	var cands []candidate
	if json.Unmarshal(data, &cands) != nil {
		return nil
	}
	for i, cand := range cands {
		ok, why := c.match(ctx, cand)
		if i == 0 && why != "" {
			c.why.Store(key, why)
		}
		if !ok {
			continue
		}
		data, ok, remote := c.getRecord(ctx, cand.Entry)
		if !ok {
			continue
		}
		e, err := decodeEntry(data)
		if err != nil {
			continue
		}
		if err := c.restoreBlob(ctx, e, dest); err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				c.warn("restore", err.Error()+"; that function was rebuilt")
			}
			continue
		}
		res := FunctionResult(e.Result)
		old := res.Path
		res.Path = dest
		res.warns = relocate(e.Warns, old, dest)
		res.notes = relocate(e.Notes, old, dest)
		res.Cached = true
		c.hits.Add(1)
		if remote {
			c.remoteHits.Add(1)
		}
		return &res
	}
	return nil
}

// restoreBlob puts a blob at dest, fetching it from the remote store
// when the local one lacks it.
func (c *buildCache) restoreBlob(ctx context.Context, e entry, dest string) error {
	sum := e.Blob
	err := c.store.RestoreBlob(sum, e.CRC, e.Size, dest)
	if err == nil || c.remote == nil || !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	data, rerr := c.remote.Get(ctx, "v1/blob/"+sum)
	if rerr != nil {
		return err
	}
	if perr := c.store.PutBlob(sum, data); perr != nil {
		c.warn("remote-corrupt", fmt.Sprintf("archive %s from %s: %v; ignored, and that function rebuilt", sum, c.remote, perr))
		return err
	}
	return c.store.RestoreBlob(sum, e.CRC, e.Size, dest)
}

func relocate(ws []Warning, from, to string) []Warning {
	out := slices.Clone(ws)
	for i := range out {
		if out[i].Path == from {
			out[i].Path = to
		}
	}
	return out
}

// match reports whether a candidate's probes all answer as they did;
// when not, it says what changed.
func (c *buildCache) match(ctx context.Context, cand candidate) (bool, string) {
	if o, now, changed := c.snap.Changed(cand.Own); changed {
		return false, describeChange(o, now)
	}
	for _, g := range cand.Groups {
		if sum, ok := c.groupSum(ctx, g.Key); !ok || sum != g.Sum {
			return false, "a package it ships changed"
		}
	}
	return true, ""
}

// describeChange says what a probe's new answer means, for the note on
// a rebuilt function.
func describeChange(o cache.Observed, now string) string {
	switch {
	case o.Value == "-":
		return o.Path + " appeared"
	case now == "-":
		return o.Path + " was removed"
	case o.Kind == 'f':
		return o.Path + " changed"
	case o.Kind == 'p':
		return "the entries named " + o.Arg + " in " + o.Path + " changed"
	}
	return "the listing of " + o.Path + " changed"
}

// groupSum reads the group record key once per build and answers its
// probes.
func (c *buildCache) groupSum(ctx context.Context, key string) (string, bool) {
	v, _ := c.groups.LoadOrStore(key, &groupState{})
	g := v.(*groupState)
	g.once.Do(func() {
		data, ok, _ := c.getRecord(ctx, key)
		if !ok {
			return
		}
		probes, err := cache.DecodeProbes(data)
		if err != nil {
			return
		}
		g.sum, g.ok = c.snap.Sum(probes), true
	})
	return g.sum, g.ok
}

// pending is a function built in this build, to store once every build
// is done.
type pending struct {
	key    string
	res    *FunctionResult
	own    []cache.Probe
	groups [][]cache.Probe

	// Set by prepare: the answers, the blob and the encoded entry; err
	// when it could not.
	cand  candidate
	blob  string
	entry []byte
	err   error
}

// record notes a function just built from its plan key and starts
// working out, in the background, what its build read; commit stores it.
func (b *builder) record(key string, p *plan, res *FunctionResult) {
	c := b.cache
	c.misses.Add(1)
	if why, ok := c.why.Load(key); ok {
		res.cacheNote = &Warning{Function: res.Name, Message: "rebuilt, not restored from the build cache: " + why.(string)}
	}
	pd := &pending{key: key, res: res}
	c.mu.Lock()
	c.pending = append(c.pending, pd)
	c.mu.Unlock()
	// What the build read is worked out beside the other builds, off
	// this worker.
	c.preparing.Add(1)
	go func() {
		defer c.preparing.Done()
		c.prepareSlots <- struct{}{}
		defer func() { <-c.prepareSlots }()
		deps := cache.NewDeps(c.skipped)
		deps.Memo = c.memo
		if pd.err = b.dependencies(deps, p, res); pd.err != nil {
			return
		}
		pd.own, pd.groups = deps.Split()
		c.prepare(pd)
	}()
}

// commit stores the functions built in a build that started at
// started: the archive as a blob, the result, and the probes of what the
// build read. Their answers were taken (prepare) before the check that
// nothing changed since the build started (Settled), so what is stored
// is what the build read. A function whose inputs changed while the
// build ran, or whose archive failed to sync (failed, by path), is not
// stored.
func (c *buildCache) commit(ctx context.Context, started time.Time, parallel int, failed map[string]error) {
	if c == nil {
		return
	}
	c.preparing.Wait()
	var wg sync.WaitGroup
	sem := make(chan struct{}, parallel)
	for _, pd := range c.pending {
		if pd.err != nil || failed[pd.res.Path] != nil {
			continue // not prepared, or its archive did not reach the disk
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			c.store1(ctx, pd, started)
		}()
	}
	wg.Wait()
	c.pending = nil
}

// prepare answers a function's probes and hashes its archive into a
// blob, in the background while other functions build.
func (c *buildCache) prepare(pd *pending) {
	pd.cand = candidate{Own: c.snap.Values(pd.own)}
	for _, g := range pd.groups {
		data := cache.EncodeProbes(g)
		key := digest(data)
		if _, loaded := c.written.LoadOrStore(key, true); !loaded {
			if pd.err = c.put(key, data); pd.err != nil {
				return
			}
		}
		pd.cand.Groups = append(pd.cand.Groups, groupRef{Key: key, Sum: c.snap.Sum(g)})
	}
	res := pd.res
	sum, crc, size, err := c.store.AddBlob(res.Path)
	if err != nil {
		c.warn("store", err.Error())
		pd.err = err
		return
	}
	pd.blob = sum
	pd.entry, pd.err = encodeEntry(entry{Result: storedResult(*res), Warns: res.warns, Notes: res.notes, Blob: sum, CRC: crc, Size: size})
}

func (c *buildCache) store1(ctx context.Context, pd *pending, started time.Time) {
	if !c.snap.Settled(pd.own, started) {
		return
	}
	for _, g := range pd.groups {
		if !c.snap.Settled(g, started) {
			return
		}
	}
	cand := pd.cand
	cdata, err := json.Marshal(cand)
	if err != nil {
		return
	}
	cand.Entry = digest(append([]byte(pd.key+"\x00"), cdata...))
	cands := []candidate{cand}
	if old, ok, _ := c.getRecord(ctx, pd.key); ok {
		var prev []candidate
		if json.Unmarshal(old, &prev) == nil {
			for _, p := range prev {
				if p.Entry != cand.Entry && len(cands) < maxCandidates {
					cands = append(cands, p)
				}
			}
		}
	}
	if cdata, err = json.Marshal(cands); err != nil {
		return
	}
	if c.remote != nil {
		if blob, err := c.store.ReadBlob(pd.blob); err == nil {
			c.remote.Put("v1/blob/"+pd.blob, blob)
		}
	}
	if c.put(cand.Entry, pd.entry) == nil {
		c.put(pd.key, cdata)
	}
}

// put stores a record locally and, behind, in the remote store.
func (c *buildCache) put(key string, payload []byte) error {
	if err := c.store.Put(key, payload); err != nil {
		c.warn("store", err.Error())
		return err
	}
	if c.remote != nil {
		c.remote.Put("v1/rec/"+key, cache.Encode(payload))
	}
	return nil
}

// dependencies records what fn's build read.
func (b *builder) dependencies(d *cache.Deps, p *plan, res *FunctionResult) error {
	fn := p.fn
	if b.opts.readsConfigFile(fn) {
		// The plan key holds what it said when the function was looked
		// up; the build read it again: a change in between must keep
		// the build out of the cache (Settled).
		d.Content(config.JSONFilePath(fn.MainFile))
	}
	switch {
	case fn.Kind == discover.KindBinary:
		d.Content(fn.MainFile)
		return nil
	case isGoSource(fn):
		return b.goDependencies(d, fn)
	}
	d.Resolved(fn.MainFile)
	// Bare specifiers found nowhere else are looked up in the nearest
	// .netlify/plugins/node_modules (node.Env's fallback module folder):
	// one appearing, or a package installed into it, changes what ships
	// (a missing optional dependency, say).
	for a := fn.SrcDir; ; a = filepath.Dir(a) {
		d.Modules(filepath.Join(a, ".netlify", "plugins", "node_modules"))
		if filepath.Dir(a) == a {
			break
		}
	}
	if fn.Kind == discover.KindDir {
		d.Tree(fn.SrcDir, false)
	}
	for _, list := range [][]string{res.Inputs, res.IncludedFiles, res.sources} {
		for _, f := range list {
			if filepath.IsAbs(f) {
				d.Resolved(f)
			}
		}
	}
	for _, f := range res.trusted {
		d.Content(f)
	}
	if b.opts.flag(FlagAddInstrumentationLoader) {
		// Shipped as data, so no archive entry names it. The build
		// found the bootstrap already: this only returns it.
		if boot, err := b.bootstrap(context.Background(), fn); err == nil {
			d.Content(node.TelemetrySource(boot))
		}
	}
	for _, root := range res.includeRoots {
		d.Tree(root, false)
	}
	for _, f := range res.missing {
		d.Missing(f)
	}
	return nil
}

// goDependencies records a Go function's module (every file: the go
// command decides what it reads), its go.sum, the workspace and local
// replacements, and the go.mod and go.work files the go command looks
// for on the way up. Downloaded modules are pinned by go.sum; the Go
// build cache keeps its own keys.
func (b *builder) goDependencies(d *cache.Deps, fn discover.Function) error {
	tc, err := b.toolchain(context.Background())
	if err != nil {
		return err
	}
	m, err := golang.FindModule(fn.SrcDir, tc.GOWORK)
	if err != nil {
		return err
	}
	for a := fn.SrcDir; ; a = filepath.Dir(a) {
		for _, name := range []string{"go.mod", "go.work", "go.work.sum"} {
			d.Content(filepath.Join(a, name))
		}
		if filepath.Dir(a) == a {
			break
		}
	}
	if f := goEnvFile(tc.Env); f != "" {
		d.Content(f)
	}
	mods := []string{m.Dir}
	if m.Work != nil {
		d.Content(m.Work.File)
		mods = append(mods, m.Work.Uses...)
		// A go.work's own replace directives apply to every module of
		// the workspace: a local target is read like a module of it.
		if data, err := os.ReadFile(m.Work.File); err == nil {
			if wf, err := modfile.ParseWork(m.Work.File, data, nil); err == nil {
				for _, r := range wf.Replace {
					if r.New.Version == "" {
						p := r.New.Path
						if !filepath.IsAbs(p) {
							p = filepath.Join(filepath.Dir(m.Work.File), p)
						}
						d.Tree(p, true)
					}
				}
			}
		}
	}
	for _, dir := range mods {
		d.Tree(dir, true)
		gomod := filepath.Join(dir, "go.mod")
		data, err := os.ReadFile(gomod)
		if err != nil {
			continue
		}
		f, err := modfile.ParseLax(gomod, data, nil)
		if err != nil {
			continue
		}
		for _, r := range f.Replace {
			if r.New.Version == "" {
				p := r.New.Path
				if !filepath.IsAbs(p) {
					p = filepath.Join(dir, p)
				}
				d.Tree(p, true)
			}
		}
	}
	return nil
}

// goEnvFile is the go command's environment file (what `go env -w`
// writes, read by every go command: GOFLAGS, GOAMD64, GOEXPERIMENT…) for
// the environment env, as the go command finds it: $GOENV, else go/env
// in the user's configuration folder; "" when GOENV=off or there is
// none.
func goEnvFile(env []string) string {
	get := func(key string) string {
		v := ""
		for _, kv := range env {
			if val, ok := strings.CutPrefix(kv, key+"="); ok {
				v = val
			}
		}
		return v
	}
	switch f := get("GOENV"); f {
	case "off":
		return ""
	case "":
	default:
		return f
	}
	var dir string
	switch runtime.GOOS {
	case "windows":
		dir = get("AppData")
	case "darwin", "ios":
		if h := get("HOME"); h != "" {
			dir = filepath.Join(h, "Library", "Application Support")
		}
	case "plan9":
		if h := get("home"); h != "" {
			dir = filepath.Join(h, "lib")
		}
	default:
		dir = get("XDG_CONFIG_HOME")
		if !filepath.IsAbs(dir) {
			dir = ""
			if h := get("HOME"); h != "" {
				dir = filepath.Join(h, ".config")
			}
		}
	}
	if dir == "" {
		return ""
	}
	return filepath.Join(dir, "go", "env")
}

// lookupAll plans every function the cache may hold and restores the
// ones it does, before anything is built (so that prebuild bundles only
// the others). It returns each function's plan and key ("" when not
// cached) and the restored results.
func (b *builder) lookupAll(ctx context.Context, fns []discover.Function, outputs []string, skip []*FunctionError) (plans []*plan, keys []string, hits []*FunctionResult) {
	plans = make([]*plan, len(fns))
	keys = make([]string, len(fns))
	hits = make([]*FunctionResult, len(fns))
	if b.cache == nil {
		return plans, keys, hits
	}
	// Lookups wait on the file system (stat, read) more than they
	// compute: more of them than CPUs keep the CPUs busy.
	b.planEach(ctx, fns, 4*b.opts.Parallel, func(i int, fn discover.Function) bool {
		return skip[i] == nil && cacheable(fn) && utf8.ValidString(fn.SrcPath)
	}, func(i int, p *plan) {
		if k := b.key(ctx, p); k != "" {
			plans[i], keys[i] = p, k
			hits[i] = b.lookup(ctx, k, filepath.Join(b.destDir, outputs[i]))
		}
	})
	b.cache.snap.BuildsStart()
	return plans, keys, hits
}

// CacheInfo describes a build cache folder.
type CacheInfo struct {
	Dir string `json:"dir"`
	// Records are plans and results; Blobs the archives.
	Records int `json:"records"`
	Blobs   int `json:"blobs"`
	// Bytes is what they take; MaxBytes the bound (Options.CacheMaxSize).
	Bytes    int64 `json:"bytes"`
	MaxBytes int64 `json:"maxBytes"`
	// Oldest and Newest are when the least and the most recently used
	// entries were last used; zero when the cache is empty.
	Oldest time.Time `json:"oldest"`
	Newest time.Time `json:"newest"`
}

// ReadCache describes the build cache Options.CacheDir holds.
func ReadCache(o Options) (*CacheInfo, error) {
	s, err := openStore(o)
	if err != nil {
		return nil, err
	}
	st, err := s.Stats()
	if err != nil {
		return nil, err
	}
	return &CacheInfo{Dir: st.Dir, Records: st.Records, Blobs: st.Blobs, Bytes: st.Bytes, MaxBytes: st.MaxBytes, Oldest: st.Oldest, Newest: st.Youngest}, nil
}

// CleanCache empties the build cache Options.CacheDir holds, and the Go
// binaries linked there (the v2 bootstrap beside them stays).
func CleanCache(o Options) (string, error) {
	s, err := openStore(o)
	if err != nil {
		return "", err
	}
	if err := os.RemoveAll(filepath.Join(filepath.Dir(s.Dir()), "go-bin")); err != nil {
		return "", fmt.Errorf("clean %q: %w", s.Dir(), err)
	}
	return s.Dir(), s.Clean()
}

func openStore(o Options) (*cache.Store, error) {
	dir := o.cacheDir()
	if dir == "" {
		return nil, fmt.Errorf("%w: no user cache folder; set ZISI_CACHE_DIR or --cache-dir", ErrInvalidOptions)
	}
	return cache.Open(dir, o.CacheMaxSize)
}

// encodeEntry writes an entry: JSON, but for the lists that grow with
// the number of files shipped (inputs, included files, the selection),
// which go after it as length-prefixed strings: decoding them as JSON
// cost more than the rest of a no-change rebuild.
func encodeEntry(e entry) ([]byte, error) {
	r := &e.Result
	r.Cached = false
	inputs, included, sel := r.Inputs, r.IncludedFiles, r.Selection
	r.Inputs, r.IncludedFiles, r.Selection = nil, nil, nil
	head, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	var w strWriter
	w.str(string(head))
	w.list(inputs)
	w.list(included)
	if sel == nil {
		w.num(0)
	} else {
		w.num(1)
		for _, picks := range [][]Pick{sel.Files, sel.Packages, sel.Omitted} {
			w.picks(picks)
		}
	}
	return w.b, nil
}

func decodeEntry(data []byte) (entry, error) {
	var e entry
	rd := strReader{b: data}
	head := rd.str()
	inputs := rd.list()
	included := rd.list()
	var sel *Selection
	if rd.num() == 1 {
		sel = &Selection{Files: rd.picks(), Packages: rd.picks(), Omitted: rd.picks()}
	}
	if rd.bad {
		return e, cache.ErrCorrupt
	}
	if err := json.Unmarshal([]byte(head), &e); err != nil {
		return e, err
	}
	e.Result.Inputs, e.Result.IncludedFiles, e.Result.Selection = inputs, included, sel
	return e, nil
}

type strWriter struct{ b []byte }

func (w *strWriter) num(n int) { w.b = binary.AppendUvarint(w.b, uint64(n)) }

func (w *strWriter) str(s string) {
	w.num(len(s))
	w.b = append(w.b, s...)
}

// list writes a list, telling nil (0) from empty (1).
func (w *strWriter) list(l []string) {
	if l == nil {
		w.num(0)
		return
	}
	w.num(len(l) + 1)
	for _, s := range l {
		w.str(s)
	}
}

func (w *strWriter) picks(ps []Pick) {
	if ps == nil {
		w.num(0)
		return
	}
	w.num(len(ps) + 1)
	for _, p := range ps {
		for _, s := range []string{p.Path, p.Package, string(p.Why), p.Via, p.Specifier} {
			w.str(s)
		}
	}
}

type strReader struct {
	b   []byte
	bad bool
}

func (r *strReader) num() int {
	v, k := binary.Uvarint(r.b)
	if k <= 0 || v > uint64(len(r.b)) {
		r.bad = true
		r.b = nil
		return 0
	}
	r.b = r.b[k:]
	return int(v)
}

func (r *strReader) str() string {
	n := r.num()
	if n > len(r.b) {
		r.bad = true
		r.b = nil
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (r *strReader) list() []string {
	n := r.num()
	if n == 0 {
		return nil
	}
	out := make([]string, 0, n-1)
	for range n - 1 {
		out = append(out, r.str())
	}
	return out
}

func (r *strReader) picks() []Pick {
	n := r.num()
	if n == 0 {
		return nil
	}
	out := make([]Pick, 0, n-1)
	for range n - 1 {
		out = append(out, Pick{Path: r.str(), Package: r.str(), Why: node.Why(r.str()), Via: r.str(), Specifier: r.str()})
	}
	return out
}
