package cache

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// Probe is one question about the file system whose answer a build
// depended on: the content of a file, the listing of a folder, or the
// part of a listing that resolution looked at. A cached archive is valid
// while every probe it recorded gives the same answer.
type Probe struct {
	// Kind is 'f' (Path's content, or that it is missing, a folder or a
	// link), 'd' (Path's listing: names, types, link targets) or 'p' (the
	// entries of folder Path named Arg or Arg.*).
	Kind byte   `json:"k"`
	Path string `json:"p"`
	Arg  string `json:"a,omitempty"`
}

// Observed is a probe with the answer a build saw.
type Observed struct {
	Probe
	Value string `json:"v"`
}

func (p Probe) id() string { return string(p.Kind) + p.Arg + "\x00" + p.Path }

// Snapshot answers probes for one build: each at most once (functions
// share most of theirs), with the index's stat fast path so that an
// unchanged file is not read again.
type Snapshot struct {
	ix *Index
	// Known, when set, gives the SHA-256 of a file already read and
	// hashed in this build (the archive writer's), by path and stat.
	Known func(path string, fi fs.FileInfo) (string, bool)
	mu    sync.Mutex
	// memo holds answers by probe id, with the latest change time seen
	// on the probed path.
	memo map[string]answer
	// settled memoises Settled by path.
	settled map[string]bool
	// building is set once the builds began (BuildsStart): answers
	// computed from then on may postdate what a build read.
	building bool
}

type answer struct {
	value   string
	changed time.Time
	// early is set for an answer computed before the builds began.
	early bool
}

// BuildsStart marks the end of the lookups: answers computed from now on
// may come after a build read the same path, so Settled does not take
// them for what the build saw.
func (s *Snapshot) BuildsStart() {
	s.mu.Lock()
	s.building = true
	s.mu.Unlock()
}

// NewSnapshot starts a build's snapshot over ix (nil: no fast path).
func NewSnapshot(ix *Index) *Snapshot {
	return &Snapshot{ix: ix, memo: map[string]answer{}, settled: map[string]bool{}}
}

// Changed returns the first observation that no longer holds, with the
// answer now; ok is false when every one still holds.
func (s *Snapshot) Changed(obs []Observed) (o Observed, now string, ok bool) {
	for _, o := range obs {
		if v, _ := s.answer(o.Probe); v != o.Value {
			return o, v, true
		}
	}
	return Observed{}, "", false
}

// Values answers probes.
func (s *Snapshot) Values(probes []Probe) []Observed {
	obs := make([]Observed, len(probes))
	for i, p := range probes {
		v, _ := s.answer(p)
		obs[i] = Observed{Probe: p, Value: v}
	}
	return obs
}

// Sum is the digest of the answers to probes, in order.
func (s *Snapshot) Sum(probes []Probe) string {
	h := sha256.New()
	for _, p := range probes {
		v, _ := s.answer(p)
		h.Write([]byte(p.id()))
		h.Write([]byte{0})
		h.Write([]byte(v))
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Settled reports whether the build that started at since read what the
// probes answer now: a file whose change time is at or after since (less
// a margin for coarse file-system clocks) may have changed after the
// build read it. A folder answered before the builds began is listed
// again and compared with that answer (its change time moves with every
// entry, even unrelated ones); one first answered after them (nothing
// looked it up: a first build) has no earlier listing to compare with,
// so it takes the file rule. What is not settled must not be stored.
// Call it once the builds are done; each path is checked once.
func (s *Snapshot) Settled(probes []Probe, since time.Time) bool {
	for _, p := range probes {
		id := p.id()
		s.mu.Lock()
		ok, seen := s.settled[id]
		s.mu.Unlock()
		if !seen {
			ok = s.settle(p, id, since)
			s.mu.Lock()
			s.settled[id] = ok
			s.mu.Unlock()
		}
		if !ok {
			return false
		}
	}
	return true
}

func (s *Snapshot) settle(p Probe, id string, since time.Time) bool {
	fi, err := os.Lstat(p.Path)
	if err != nil {
		return true // missing now; the answer says whether it was
	}
	if p.Kind != 'f' && fi.IsDir() {
		s.mu.Lock()
		a, ok := s.memo[id]
		s.mu.Unlock()
		if ok && a.early {
			return probeValue(p, fi) == a.value
		}
		if p.Kind == 'p' {
			return entriesSettled(p, since)
		}
	}
	return settledAt(statOf(fi).changed(), since)
}

// settledAt reports whether a change at changed surely came before since.
func settledAt(changed, since time.Time) bool {
	return changed.Before(since.Add(-racyMargin(changed)))
}

// entriesSettled is Settled for a prefix probe first answered after the
// builds began: its folder's change time moves with every entry (a
// temporary folder beside the site's, /tmp's), so the files it names are
// checked instead: one created or renamed into place (a lib.js beside
// lib/) has a new change time. Folders are not (their change time moves
// with their content): the one named Arg held what the build read, so
// it was there. One removed is a file a build shipped, whose own
// folder's probe sees it gone.
func entriesSettled(p Probe, since time.Time) bool {
	entries, err := os.ReadDir(p.Path)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if name := e.Name(); e.IsDir() || name != p.Arg && !strings.HasPrefix(name, p.Arg+".") {
			continue
		}
		fi, err := os.Lstat(filepath.Join(p.Path, e.Name()))
		if err != nil || !settledAt(statOf(fi).changed(), since) {
			return false
		}
	}
	return true
}

// racyMargin is how far a change time may lag the real time of the
// change: a file system with whole-second times can stamp a change made
// now with the second before; nanosecond ones stamp with the kernel's
// coarse clock, a few milliseconds behind.
func racyMargin(t time.Time) time.Duration {
	if t.Nanosecond() == 0 {
		return 2 * time.Second
	}
	return 20 * time.Millisecond
}

func (s *Snapshot) answer(p Probe) (string, time.Time) {
	id := p.id()
	s.mu.Lock()
	a, ok := s.memo[id]
	s.mu.Unlock()
	if ok {
		return a.value, a.changed
	}
	a = s.compute(p, id)
	s.mu.Lock()
	a.early = !s.building
	s.memo[id] = a
	s.mu.Unlock()
	return a.value, a.changed
}

func (s *Snapshot) compute(p Probe, id string) answer {
	fi, err := os.Lstat(p.Path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || isNotDir(err) {
			return answer{value: "-"}
		}
		return answer{value: "E" + err.Error()}
	}
	st := statOf(fi)
	if v, ok := s.ix.lookup(id, st); ok {
		return answer{value: v, changed: st.changed()}
	}
	v := ""
	if p.Kind == 'f' && fi.Mode().IsRegular() && s.Known != nil {
		if sum, ok := s.Known(p.Path, fi); ok {
			v = fileValue(fi, sum)
		}
	}
	if v == "" {
		v = probeValue(p, fi)
	}
	s.ix.store(id, st, v)
	return answer{value: v, changed: st.changed()}
}

// fileValue is a regular file's answer: its executable bit and content.
func fileValue(fi fs.FileInfo, sum string) string {
	exec := "-"
	if fi.Mode()&0o111 != 0 {
		exec = "x"
	}
	return "F" + exec + sum
}

// probeValue answers p for a path whose Lstat is fi.
func probeValue(p Probe, fi fs.FileInfo) string {
	mode := fi.Mode()
	switch {
	case mode&fs.ModeSymlink != 0:
		target, err := os.Readlink(p.Path)
		if err != nil {
			return "E" + err.Error()
		}
		return "L" + target
	case p.Kind == 'f' && mode.IsRegular():
		sum, _, err := HashFile(p.Path)
		if err != nil {
			return "E" + err.Error()
		}
		return fileValue(fi, sum)
	case p.Kind == 'f':
		return "T" + mode.Type().String()
	case !mode.IsDir():
		return "N" + mode.Type().String()
	}
	entries, err := os.ReadDir(p.Path)
	if err != nil {
		return "E" + err.Error()
	}
	h := sha256.New()
	for _, e := range entries {
		name := e.Name()
		if p.Kind == 'p' && name != p.Arg && !strings.HasPrefix(name, p.Arg+".") {
			continue
		}
		h.Write([]byte(name))
		h.Write([]byte{0})
		h.Write([]byte(e.Type().String()))
		if e.Type()&fs.ModeSymlink != 0 {
			target, _ := os.Readlink(filepath.Join(p.Path, name))
			h.Write([]byte{0})
			h.Write([]byte(target))
		}
		h.Write([]byte{'\n'})
	}
	return "D" + hex.EncodeToString(h.Sum(nil))
}

func isNotDir(err error) bool {
	var pe *fs.PathError
	return errors.As(err, &pe) && pe.Err != nil && strings.Contains(pe.Err.Error(), "not a directory")
}

// Deps collects what a build depended on, as probes.
type Deps struct {
	probes    map[Probe]bool
	ancestors map[string]bool
	// configs are the tsconfig.json and jsconfig.json files whose
	// "extends" were followed.
	configs map[string]bool
	// trees are the roots Tree walked without contents: a root's own
	// listing, recorded for a file resolved in it, is no walk of the
	// folders below.
	trees map[string]bool
	// Skip says which folders are never probed (the build's own
	// destination, the cache): their content changes with every build
	// and decides nothing.
	Skip func(dir string) bool
	// Memo, when set, shares the folder walks with the other functions
	// of the build.
	Memo *Memo
}

// Memo shares, across the functions of one build, what Deps finds by
// walking the file system: each package tree and each folder on the way
// up is walked once per build, not once per function that ships from
// it. Safe for concurrent use.
type Memo struct {
	mu    sync.Mutex
	sets  map[string][]Probe
	links map[string]string
}

// NewMemo starts an empty memo.
func NewMemo() *Memo { return &Memo{sets: map[string][]Probe{}, links: map[string]string{}} }

// shared adds the probes fill records for key, filling them once per
// memo.
func (d *Deps) shared(key string, fill func(sub *Deps)) {
	if d.Memo == nil {
		fill(d)
		return
	}
	d.Memo.mu.Lock()
	ps, ok := d.Memo.sets[key]
	d.Memo.mu.Unlock()
	if !ok {
		sub := NewDeps(d.Skip)
		sub.Memo = d.Memo
		fill(sub)
		ps = sub.Probes()
		d.Memo.mu.Lock()
		d.Memo.sets[key] = ps
		d.Memo.mu.Unlock()
	}
	for _, p := range ps {
		d.probes[p] = true
	}
}

// NewDeps starts an empty set.
func NewDeps(skip func(dir string) bool) *Deps {
	if skip == nil {
		skip = func(string) bool { return false }
	}
	return &Deps{probes: map[Probe]bool{}, ancestors: map[string]bool{}, configs: map[string]bool{}, trees: map[string]bool{}, Skip: skip}
}

func (d *Deps) add(kind byte, p, arg string) { d.probes[Probe{Kind: kind, Path: p, Arg: arg}] = true }

// Content records the content of the file at p (and, through a link,
// of its target).
func (d *Deps) Content(p string) {
	d.add('f', p, "")
	if real := d.linkTarget(p); real != "" {
		d.add('f', real, "")
	}
}

// linkTarget is where the link at p leads, or "" when p is no link.
func (d *Deps) linkTarget(p string) string {
	if d.Memo != nil {
		d.Memo.mu.Lock()
		real, ok := d.Memo.links[p]
		d.Memo.mu.Unlock()
		if ok {
			return real
		}
	}
	real := ""
	if fi, err := os.Lstat(p); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		real, _ = filepath.EvalSymlinks(p)
	}
	if d.Memo != nil {
		d.Memo.mu.Lock()
		d.Memo.links[p] = real
		d.Memo.mu.Unlock()
	}
	return real
}

// Resolved records a file that module resolution found: its content,
// its folder's listing (an index.ts beside index.js), and on every folder
// from there up what resolution looks at on the way: the package.json,
// tsconfig.json and jsconfig.json files, the node_modules listing (with
// its @scope folders: a nearer package shadows a hoisted one), and the
// parent's entries named like the folder (x.js beside x/). The files a
// tsconfig.json or jsconfig.json extends are recorded too: esbuild
// reads their "paths", "baseUrl" and compiler options as its own.
func (d *Deps) Resolved(p string) {
	d.Content(p)
	dir := filepath.Dir(p)
	if !d.Skip(dir) {
		d.addDir(dir)
	}
	if root := packageRoot(p); root != "" {
		d.Tree(root, false)
	}
	for a := dir; !d.ancestors[a]; a = filepath.Dir(a) {
		d.ancestors[a] = true
		parent := filepath.Dir(a)
		d.shared("a"+a, func(s *Deps) {
			for _, name := range []string{"package.json", "tsconfig.json", "jsconfig.json"} {
				s.add('f', filepath.Join(a, name), "")
			}
			for _, name := range []string{"tsconfig.json", "jsconfig.json"} {
				s.extends(filepath.Join(a, name))
			}
			s.Modules(filepath.Join(a, "node_modules"))
			if parent != a {
				s.add('p', parent, filepath.Base(a))
			}
		})
		if parent == a {
			break
		}
	}
}

// extends records what the tsconfig.json (or jsconfig.json) at p
// extends, as esbuild looks for it: a path, also with ".json" added (a
// folder named "." or ".." means its tsconfig.json), or a package in
// the node_modules folders above p, every file of which is recorded (its
// package.json "tsconfig" and "exports" fields choose the file). The
// files found are followed in turn, each once. A file that cannot be
// read or parsed extends nothing: its own content probe covers it.
func (d *Deps) extends(p string) {
	if d.configs[p] {
		return
	}
	d.configs[p] = true
	data, err := os.ReadFile(p)
	if err != nil {
		return
	}
	dir := filepath.Dir(p)
	for _, ext := range extendsOf(data) {
		if !isPackagePath(ext) {
			f := ext
			if f == "." || f == ".." {
				f += "/tsconfig.json"
			}
			f = filepath.FromSlash(f)
			if !filepath.IsAbs(f) {
				f = filepath.Join(dir, f)
			}
			for _, c := range []string{f, f + ".json"} {
				d.Content(c)
				d.extends(c)
			}
			continue
		}
		name := ext
		if parts := strings.SplitN(ext, "/", 3); strings.HasPrefix(ext, "@") && len(parts) >= 2 {
			name = parts[0] + "/" + parts[1]
		} else {
			name = parts[0]
		}
		for a := dir; ; a = filepath.Dir(a) {
			pkg := filepath.Join(a, "node_modules", filepath.FromSlash(name))
			d.Tree(pkg, true)
			filepath.WalkDir(pkg, func(f string, e fs.DirEntry, err error) error {
				switch {
				case err != nil:
				case e.IsDir() && f != pkg && e.Name() == "node_modules":
					return filepath.SkipDir
				case !e.IsDir() && strings.HasSuffix(f, ".json") && e.Name() != "package.json":
					d.extends(f)
				}
				return nil
			})
			if filepath.Dir(a) == a {
				break
			}
		}
	}
}

// Missing records a file a relative import named that was not there:
// the entries of its folder named like it (x, x.js, x/…), which a file
// appearing there, or the folder itself, changes.
func (d *Deps) Missing(p string) {
	d.add('p', filepath.Dir(p), filepath.Base(p))
}

// Modules records the listing of the module folder nm (a node_modules)
// with its @scope folders: which packages a bare specifier finds there.
func (d *Deps) Modules(nm string) {
	d.addDir(nm)
	if entries, err := os.ReadDir(nm); err == nil {
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), "@") {
				d.addDir(filepath.Join(nm, e.Name()))
			}
		}
	}
}

// addDir records the listing of folder p and, when p is a symbolic
// link, the listing of the folder it leads to: a link's own probe
// answers with its target, so a file added to that folder would
// otherwise go unseen by a build that reads the folder through the link.
func (d *Deps) addDir(p string) {
	probe := Probe{Kind: 'd', Path: p}
	if d.probes[probe] {
		return
	}
	d.probes[probe] = true
	if fi, err := os.Lstat(p); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		if real, err := filepath.EvalSymlinks(p); err == nil && !d.Skip(real) {
			d.add('d', real, "")
		}
	}
}

// isPackagePath mirrors esbuild's test for a specifier that names a
// package rather than a path.
func isPackagePath(s string) bool {
	return !filepath.IsAbs(s) && !strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "./") &&
		!strings.HasPrefix(s, "../") && s != "." && s != ".."
}

// extendsOf returns the "extends" of a tsconfig.json: one path or, as
// TypeScript 5 allows, a list. The file is JSON with comments and
// trailing commas; nil when it does not parse.
func extendsOf(data []byte) []string {
	var doc struct {
		Extends json.RawMessage `json:"extends"`
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if json.Unmarshal(stripJSONC(data), &doc) != nil || doc.Extends == nil {
		return nil
	}
	var one string
	if json.Unmarshal(doc.Extends, &one) == nil {
		return []string{one}
	}
	var list []string
	json.Unmarshal(doc.Extends, &list)
	return list
}

// stripJSONC turns JSON with comments and trailing commas into JSON:
// comments become spaces, a comma before a closing bracket goes.
func stripJSONC(data []byte) []byte {
	out := make([]byte, 0, len(data))
	comma := -1 // index in out of a comma not yet followed by a value
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case c == '"':
			j := i + 1
			for ; j < len(data) && data[j] != '"'; j++ {
				if data[j] == '\\' {
					j++
				}
			}
			if j >= len(data) {
				j = len(data) - 1
			}
			out = append(out, data[i:j+1]...)
			i = j
			comma = -1
			continue
		case c == '/' && i+1 < len(data) && data[i+1] == '/':
			for i < len(data) && data[i] != '\n' {
				i++
			}
			out = append(out, '\n')
			continue
		case c == '/' && i+1 < len(data) && data[i+1] == '*':
			end := bytes.Index(data[i+2:], []byte("*/"))
			if end < 0 {
				return out
			}
			i += end + 3
			out = append(out, ' ')
			continue
		case c == ',':
			comma = len(out)
		case c == '}' || c == ']':
			if comma >= 0 {
				out[comma] = ' '
			}
			comma = -1
		case c != ' ' && c != '\t' && c != '\n' && c != '\r':
			comma = -1
		}
		out = append(out, c)
	}
	return out
}

// packageRoot is the folder of the package in node_modules that holds p,
// or "" when p is in none.
func packageRoot(p string) string {
	sep := string(filepath.Separator)
	i := strings.LastIndex(p, sep+"node_modules"+sep)
	if i < 0 {
		return ""
	}
	rest := p[i+len("/node_modules/"):]
	parts := strings.SplitN(rest, sep, 3)
	n := 1
	if strings.HasPrefix(parts[0], "@") {
		n = 2
	}
	if len(parts) <= n {
		return "" // a file directly in node_modules (.package-lock.json)
	}
	return p[:i+len("/node_modules/")] + strings.Join(parts[:n], sep)
}

// Tree records the listing of root and of every folder under it but
// skipped ones and .git, following linked folders (once each, as the
// zisi bundler does); with contents, the content of every file too. A
// missing root is recorded as missing. In a
// package (root inside node_modules) it does not descend into the
// package's own node_modules: those packages are recorded when used.
func (d *Deps) Tree(root string, contents bool) {
	if !contents {
		if d.trees[root] {
			return
		}
		d.trees[root] = true
		d.shared("t"+root, func(s *Deps) { s.tree(root, false) })
		return
	}
	d.tree(root, true)
}

func (d *Deps) tree(root string, contents bool) {
	fi, err := os.Lstat(root)
	if err != nil {
		// A folder that is not there yet (one included_files names
		// that a build step generates): its appearing changes what
		// ships.
		d.add('d', root, "")
		return
	}
	sep := string(filepath.Separator)
	inPackage := strings.Contains(root+sep, sep+"node_modules"+sep)
	// seen are the real folders walked through links (and the root):
	// a tree without links has no cycles, so only a link can lead back.
	seen := map[string]bool{}
	var walk func(dir string, link bool)
	walk = func(dir string, link bool) {
		if link {
			d.addDir(dir) // the link's answer, and its target's listing
			real, err := filepath.EvalSymlinks(dir)
			if err != nil || seen[real] {
				return
			}
			seen[real] = true
		} else {
			d.add('d', dir, "")
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			return
		}
		for _, e := range entries {
			p := filepath.Join(dir, e.Name())
			isLink := e.Type()&fs.ModeSymlink != 0
			isDir := e.IsDir()
			if isLink {
				fi, err := os.Stat(p)
				isDir = err == nil && fi.IsDir()
			}
			switch {
			case !isDir:
				if contents {
					d.Content(p)
				}
			case inPackage && e.Name() == "node_modules", e.Name() == ".git", d.Skip(p):
			default:
				walk(p, isLink)
			}
		}
	}
	rootLink := fi.Mode()&fs.ModeSymlink != 0
	if real, err := filepath.EvalSymlinks(root); err == nil && !rootLink {
		seen[real] = true
	}
	walk(root, rootLink)
}

// Probes returns the recorded probes, sorted.
func (d *Deps) Probes() []Probe {
	out := make([]Probe, 0, len(d.probes))
	for p := range d.probes {
		out = append(out, p)
	}
	sortProbes(out)
	return out
}

func sortProbes(ps []Probe) {
	slices.SortFunc(ps, func(a, b Probe) int {
		return cmp.Or(strings.Compare(a.Path, b.Path), cmp.Compare(a.Kind, b.Kind), strings.Compare(a.Arg, b.Arg))
	})
}

// Split returns the recorded probes in groups: one per package in
// node_modules (its folders and files, which many functions share, so
// that a build stores and checks each package's probes once), sorted by
// package folder, and the function's own probes.
func (d *Deps) Split() (own []Probe, groups [][]Probe) {
	byRoot := map[string][]Probe{}
	for p := range d.probes {
		root := packageRoot(p.Path)
		if root == "" && p.Kind == 'd' {
			root = packageRoot(p.Path + string(filepath.Separator) + "x")
		}
		if root == "" {
			own = append(own, p)
			continue
		}
		byRoot[root] = append(byRoot[root], p)
	}
	sortProbes(own)
	roots := make([]string, 0, len(byRoot))
	for r := range byRoot {
		roots = append(roots, r)
	}
	slices.Sort(roots)
	for _, r := range roots {
		g := byRoot[r]
		sortProbes(g)
		groups = append(groups, g)
	}
	return own, groups
}

// EncodeProbes writes probes compactly (one line each), for a group
// record.
func EncodeProbes(ps []Probe) []byte {
	var b []byte
	for _, p := range ps {
		b = append(b, p.Kind)
		b = append(b, p.Arg...)
		b = append(b, 0)
		b = append(b, p.Path...)
		b = append(b, '\n')
	}
	return b
}

// DecodeProbes reads what EncodeProbes wrote.
func DecodeProbes(data []byte) ([]Probe, error) {
	var out []Probe
	for len(data) > 0 {
		line, rest, ok := bytesCut(data, '\n')
		if !ok || len(line) < 2 {
			return nil, fmt.Errorf("%w: bad probe list", ErrCorrupt)
		}
		arg, path, ok := bytesCut(line[1:], 0)
		if !ok {
			return nil, fmt.Errorf("%w: bad probe list", ErrCorrupt)
		}
		out = append(out, Probe{Kind: line[0], Arg: string(arg), Path: string(path)})
		data = rest
	}
	return out, nil
}

func bytesCut(b []byte, sep byte) (before, after []byte, found bool) {
	if i := slices.Index(b, sep); i >= 0 {
		return b[:i], b[i+1:], true
	}
	return b, nil, false
}
