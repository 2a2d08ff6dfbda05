package discover

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/zisi-build/zisi/internal/binary"
)

// Runtime is a function's runtime in the reference's vocabulary.
type Runtime string

// Runtimes.
const (
	RuntimeJS   Runtime = "js"
	RuntimeGo   Runtime = "go"
	RuntimeRust Runtime = "rs"
)

// ReservedName cannot be a function name: the v2 entry point uses it.
const ReservedName = "___netlify-entry-point"

// Extensions are the file extensions the JS runtime claims, in precedence
// order: when two files share a name, the earlier extension wins.
var Extensions = []string{".js", ".zip", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts"}

// mainFileExtensions is the order in which a directory's main file is
// looked up; for each extension `{dir}{ext}` is tried before `index{ext}`.
var mainFileExtensions = []string{".js", ".ts", ".mjs", ".cjs", ".tsx", ".mts", ".cts"}

// Kind tells how a function is stored on disk.
type Kind int

// Kinds of function sources.
const (
	// KindFile is a single source file (hello.js).
	KindFile Kind = iota
	// KindDir is a directory with a main file (hello/index.js, hello/main.go).
	KindDir
	// KindZip is a prebuilt archive copied as it is.
	KindZip
	// KindBinary is a prebuilt Linux binary (Go or Rust).
	KindBinary
)

// Function is one discovered function.
type Function struct {
	Name string
	// MainFile is the file the runtime starts from.
	MainFile string
	// SrcDir is the directory itself, or a file's parent directory.
	SrcDir string
	// SrcPath is the directory entry that makes the function.
	SrcPath string
	// Filename is the base name of SrcPath.
	Filename string
	// Extension is the extension of MainFile.
	Extension string
	Runtime   Runtime
	Kind      Kind
	// Binary is set for KindBinary.
	Binary *binary.Info
	// Generated is set for a function a framework or plugin wrote (from
	// a generated source), not the site's own.
	Generated bool
}

// Warning is something the user should know that did not stop discovery.
type Warning struct {
	Path string
	Msg  string
}

func (w Warning) String() string { return fmt.Sprintf("%s: %s", w.Path, w.Msg) }

// Result is what discovery found: every function candidate (Functions, in
// the reference's listing order) and the warnings.
type Result struct {
	Functions []Function
	Warnings  []Warning
	// Skipped are the entries that are not functions (a .py file, a
	// folder without a main file), each with why, in the order listed.
	// Hidden files (.DS_Store, .gitkeep), node_modules and the desktop's
	// Thumbs.db and desktop.ini are left out: nobody meant those as
	// functions.
	Skipped []Warning
}

// ErrSourceNotDirectory means a source folder path names a file.
var ErrSourceNotDirectory = errors.New("source folder is not a directory")

// Options adjusts discovery.
type Options struct {
	// Arch returns the architecture the named function's prebuilt binary
	// must target (its go_arch); "amd64" when Arch is nil or returns "".
	Arch func(name string) string
}

func (o Options) arch(name string) string {
	if o.Arch == nil {
		return "amd64"
	}
	return cmp.Or(o.Arch(name), "amd64")
}

// Discover lists the source folders in order and classifies every entry.
// A missing folder gives a warning (the reference is silent); a file passed
// as a folder is an error.
func Discover(ctx context.Context, srcDirs []string, opts Options) (*Result, error) {
	return DiscoverAll(ctx, srcDirs, nil, opts)
}

// DiscoverAll classifies every entry of the source folders, then the
// single function paths (as DiscoverPaths does), together: the
// reference's zipFunctions takes its folders' entries and its individual
// functions as one list.
func DiscoverAll(ctx context.Context, srcDirs, paths []string, opts Options) (*Result, error) {
	res := &Result{}
	for _, p := range paths {
		if _, err := os.Lstat(p); err != nil {
			return nil, fmt.Errorf("inspect %q: %w", p, err)
		}
	}
	var candidates []string
	for _, dir := range srcDirs {
		names, err := readDirNames(ctx, dir)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			res.Warnings = append(res.Warnings, Warning{Path: dir, Msg: "functions folder does not exist, no functions found there"})
			continue
		case err != nil:
			if fi, serr := os.Stat(dir); serr == nil && !fi.IsDir() {
				return nil, fmt.Errorf("list %q: %w", dir, ErrSourceNotDirectory)
			}
			return nil, fmt.Errorf("list %q: %w", dir, err)
		}
		for _, name := range names {
			candidates = append(candidates, filepath.Join(dir, name))
		}
	}
	return classify(ctx, append(candidates, paths...), opts, res)
}

// readDirNames lists a directory's entries, sorted as os.ReadDir sorts
// them, a thousand at a time so that a huge folder stops listing when ctx
// ends.
func readDirNames(ctx context.Context, dir string) ([]string, error) {
	// Not opened unless a folder: opening a FIFO would block.
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		if err == nil {
			err = syscall.ENOTDIR
		}
		return nil, err
	}
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var names []string
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		batch, err := f.Readdirnames(1024)
		names = append(names, batch...)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	slices.Sort(names)
	return names, nil
}

// DiscoverPaths classifies individual paths (the reference's
// `functions` inputs and zipFunction's single path).
func DiscoverPaths(ctx context.Context, paths []string, opts Options) (*Result, error) {
	for _, p := range paths {
		if _, err := os.Lstat(p); err != nil {
			return nil, fmt.Errorf("inspect %q: %w", p, err)
		}
	}
	return classify(ctx, paths, opts, &Result{})
}

type candidate struct {
	fn    Function
	index int  // position in the candidate list
	isDir bool // a JS directory function
}

// classify offers every path to the runtimes in the reference's order (js,
// go, rust); a path claimed by one runtime is not offered to the next.
func classify(ctx context.Context, paths []string, opts Options, res *Result) (*Result, error) {
	var js, gos, rust []candidate
	for i, p := range paths {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return nil, fmt.Errorf("inspect %q: %w", p, err)
		}
		if fn, ok, err := jsFunction(p, fi); err != nil {
			return nil, err
		} else if ok {
			js = append(js, candidate{fn: fn, index: i, isDir: fi.IsDir()})
			continue
		}
		if fi.Mode().IsRegular() {
			info, err := binary.Inspect(p)
			if err != nil {
				// Unreadable or not a Go/Rust binary: nobody claims it.
				res.skip(p, fi)
				continue
			}
			fn := binaryFunction(p, info)
			if arch := opts.arch(fn.Name); !info.IsLambda(arch) {
				res.Warnings = append(res.Warnings, Warning{Path: p, Msg: fmt.Sprintf("found a %s; function %q must be built for linux/%s, so it is not deployed (rebuild it with GOOS=linux GOARCH=%s, or set go_arch)", info, fn.Name, arch, arch)})
				continue
			}
			if info.Runtime == binary.RuntimeGo {
				gos = append(gos, candidate{fn: fn, index: i})
			} else {
				rust = append(rust, candidate{fn: fn, index: i})
			}
			continue
		}
		if fi.IsDir() {
			if fn, ok, err := goSourceFunction(p); err != nil {
				return nil, err
			} else if ok {
				gos = append(gos, candidate{fn: fn, index: i})
				continue
			}
		}
		res.skip(p, fi)
	}
	sortJS(js)
	for _, group := range [][]candidate{js, gos, rust} {
		for _, c := range group {
			res.Functions = append(res.Functions, c.fn)
		}
	}
	return res, nil
}

// skip records p, which no runtime claimed, unless it is an entry nobody
// meant as a function.
func (r *Result) skip(p string, fi fs.FileInfo) {
	base := filepath.Base(p)
	switch strings.ToLower(base) {
	case "node_modules", "thumbs.db", "desktop.ini":
		return
	}
	if strings.HasPrefix(base, ".") {
		return
	}
	const types = ".js, .mjs, .cjs, .ts, .tsx, .mts, .cts, .zip"
	var msg string
	ext := filepath.Ext(base)
	switch lower := strings.ToLower(ext); {
	case fi.IsDir():
		msg = fmt.Sprintf("not a function, skipped: a function folder has a main file, %s.js or index.js (or .ts, .mjs, .cjs, .tsx, .mts, .cts), %s.go or main.go", base, base)
	case lower == ".md" || lower == ".markdown" || isDoc(base):
		msg = "not a function (documentation), skipped"
	case ext != "" && !slices.Contains(Extensions, ext):
		msg = fmt.Sprintf("not a function, skipped: %s is not a function file type (%s)", ext, types)
	case fi.Mode()&fs.ModeSymlink != 0:
		msg = "not a function, skipped: a symbolic link to a folder, or to nothing, is not followed"
	case !fi.Mode().IsRegular():
		msg = "not a function, skipped: neither a file nor a folder"
	default:
		msg = fmt.Sprintf("not a function, skipped: neither a function file (%s) nor a Linux Go or Rust binary", types)
	}
	r.Skipped = append(r.Skipped, Warning{Path: p, Msg: msg})
}

// isDoc reports whether base names a project's documentation file
// (README, LICENSE, CHANGELOG, with or without an extension).
func isDoc(base string) bool {
	stem := strings.ToUpper(strings.TrimSuffix(base, filepath.Ext(base)))
	return stem == "README" || stem == "LICENSE" || stem == "CHANGELOG"
}

func jsFunction(p string, fi fs.FileInfo) (Function, bool, error) {
	base := filepath.Base(p)
	if base == "node_modules" {
		return Function{}, false, nil
	}
	ext := filepath.Ext(p)
	if !fi.IsDir() {
		if !slices.Contains(Extensions, ext) {
			return Function{}, false, nil
		}
		kind := KindFile
		if ext == ".zip" {
			kind = KindZip
		}
		return Function{
			Name: strings.TrimSuffix(base, ext), MainFile: p, SrcDir: filepath.Dir(p), SrcPath: p,
			Filename: base, Extension: ext, Runtime: RuntimeJS, Kind: kind,
		}, true, nil
	}
	main, err := dirMainFile(p, base)
	if err != nil || main == "" {
		return Function{}, false, err
	}
	return Function{
		Name: strings.TrimSuffix(base, ext), MainFile: main, SrcDir: p, SrcPath: p,
		Filename: base, Extension: filepath.Ext(main), Runtime: RuntimeJS, Kind: KindDir,
	}, true, nil
}

// dirMainFile returns the first existing regular file among {dir}.js,
// index.js, {dir}.ts, index.ts, … ({dir} is the full directory name, dots
// included), or "" when there is none.
func dirMainFile(dir, base string) (string, error) {
	for _, ext := range mainFileExtensions {
		for _, stem := range []string{base, "index"} {
			p := filepath.Join(dir, stem+ext)
			fi, err := os.Stat(p)
			if err == nil && fi.Mode().IsRegular() {
				return p, nil
			}
			if err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) {
				return "", fmt.Errorf("inspect %q: %w", p, err)
			}
		}
	}
	return "", nil
}

// goSourceFunction claims a directory holding {dir}.go (preferred) or
// main.go.
func goSourceFunction(dir string) (Function, bool, error) {
	base := filepath.Base(dir)
	for _, name := range []string{base + ".go", "main.go"} {
		p := filepath.Join(dir, name)
		if _, err := os.Lstat(p); err == nil {
			ext := filepath.Ext(dir)
			return Function{
				Name: strings.TrimSuffix(base, ext), MainFile: p, SrcDir: dir, SrcPath: dir,
				Filename: base, Extension: ".go", Runtime: RuntimeGo, Kind: KindDir,
			}, true, nil
		}
	}
	return Function{}, false, nil
}

func binaryFunction(p string, info binary.Info) Function {
	base := filepath.Base(p)
	ext := filepath.Ext(p)
	rt := RuntimeGo
	if info.Runtime == binary.RuntimeRust {
		rt = RuntimeRust
	}
	return Function{
		Name: strings.TrimSuffix(base, ext), MainFile: p, SrcDir: filepath.Dir(p), SrcPath: p,
		Filename: base, Extension: ext, Runtime: rt, Kind: KindBinary, Binary: &info,
	}
}

// sortJS orders JS candidates exactly as the reference's finder does:
// with V8's sort and the finder's comparator (directories after files,
// and among files of the same name the higher-precedence extension
// last). That comparator is not a total order (files of different names
// compare equal, whatever lies between them), so which of two same-named
// files ends up last depends on the other candidates: a user greet.mjs
// can beat a generated greet.js when a directory function is listed too,
// and not otherwise. Sorting as V8 does gives the reference's choice in
// every case.
func sortJS(js []candidate) {
	v8Sort(js, func(a, b candidate) int {
		if a.isDir != b.isDir {
			if a.isDir {
				return 1
			}
			return -1
		}
		if a.fn.Name == b.fn.Name {
			return extensionRank(b.fn) - extensionRank(a.fn)
		}
		return 0
	})
}

// extensionRank is the position of the extension of a function's path
// among the finder's extensions (.js first), -1 when not among them (most
// directories), as the finder compares them.
func extensionRank(fn Function) int {
	return slices.Index(Extensions, filepath.Ext(fn.SrcPath))
}

// Dedupe keeps one function per name, as zipFunctions does: the last
// candidate for a name wins (a directory beats a file, a later source
// folder beats an earlier one, Go beats JS, and .js beats .ts where the
// finder's sort compared them; see sortJS) but the winner takes the
// position of the name's first appearance.
func Dedupe(fns []Function) []Function {
	slot := map[string]int{}
	var out []Function
	for _, fn := range fns {
		if i, ok := slot[fn.Name]; ok {
			out[i] = fn
			continue
		}
		slot[fn.Name] = len(out)
		out = append(out, fn)
	}
	return out
}
