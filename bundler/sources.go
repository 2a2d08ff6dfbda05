package bundler

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/zisi-build/zisi/internal/discover"
	"github.com/zisi-build/zisi/internal/suggest"
)

// Priorities of user and generated functions, as the reference writes them
// in results and the manifest: when a user function and a generated one
// claim the same route, the platform serves the user's.
const (
	PriorityGenerated = 0
	PriorityUser      = 10
)

// DefaultGenerator is the generator of a generated function whose
// configuration names none (the reference's "internalFunc").
const DefaultGenerator = "internalFunc"

// Sources are where a build finds its functions, split as Netlify Build
// splits them (the reference's FunctionsBag): the site's own functions and
// those its framework or plugins generated. Directories are listed one
// level deep, as functions folders are; Functions are single functions, a
// file or a directory each.
//
// Candidates are taken in this order: generated directories, user
// directories, generated functions, user functions; when two share a
// name, the later one is built (so a user function in a folder wins over a
// generated one in a folder), as in the reference.
type Sources struct {
	User      SourceSet
	Generated SourceSet
	// Optional lists directories that may be missing (a site's default
	// functions folder): a missing one gives a note. Any other missing
	// directory is an error (ErrNoSourceFolder), so that a mistyped folder
	// never yields an empty deploy.
	Optional []string
}

// SourceSet is one kind of source: folders of functions and single
// functions.
type SourceSet struct {
	Directories []string
	Functions   []string
}

// Dirs is the Sources of plain functions folders: user functions, as the
// reference reads a string or array input.
func Dirs(dirs ...string) Sources { return Sources{User: SourceSet{Directories: dirs}} }

// empty reports whether s names no source at all.
func (s Sources) empty() bool {
	return len(s.User.Directories)+len(s.User.Functions)+len(s.Generated.Directories)+len(s.Generated.Functions) == 0
}

// abs returns s with every path made absolute.
func (s Sources) abs() (Sources, error) {
	var out Sources
	var err error
	for _, p := range []struct{ in, out *[]string }{
		{&s.Optional, &out.Optional},
		{&s.User.Directories, &out.User.Directories},
		{&s.User.Functions, &out.User.Functions},
		{&s.Generated.Directories, &out.Generated.Directories},
		{&s.Generated.Functions, &out.Generated.Functions},
	} {
		if slices.Contains(*p.in, "") {
			return out, fmt.Errorf("%w: an empty source path (it would mean the working directory); name the folder", ErrInvalidOptions)
		}
		if *p.out, err = absAll(*p.in); err != nil {
			return out, err
		}
	}
	return out, nil
}

// directories lists the folders to scan, generated first.
func (s Sources) directories() []string {
	return slices.Concat(s.Generated.Directories, s.User.Directories)
}

// functions lists the single functions, generated first.
func (s Sources) functions() []string {
	return slices.Concat(s.Generated.Functions, s.User.Functions)
}

// roots are every folder and function path of s: a destination or
// manifest inside any of them is refused.
func (s Sources) roots() []string {
	return slices.Concat(s.directories(), s.functions())
}

// generated reports whether fn came from a generated source: it is one of
// the generated functions, or inside a generated directory (the
// reference's isInternal).
func (s Sources) generated(fn discover.Function) bool {
	return slices.Contains(s.Generated.Functions, fn.SrcPath) || insideAny(fn.SrcPath, s.Generated.Directories...)
}

// discover finds every candidate of s, in the reference's order, and
// marks the generated ones. Notes say which optional folders are missing.
func (s Sources) discover(ctx context.Context, opts discover.Options) (*discover.Result, []Warning, error) {
	if s.empty() {
		return nil, nil, fmt.Errorf("%w: no functions folder or function path given", ErrInvalidOptions)
	}
	if slices.Contains(s.roots(), "") {
		return nil, nil, fmt.Errorf("%w: an empty source path (it would mean the working directory); name the folder", ErrInvalidOptions)
	}
	var dirs []string
	var notes []Warning
	for _, d := range s.directories() {
		_, err := os.Stat(d)
		switch {
		case err == nil:
			dirs = append(dirs, d)
		case !errors.Is(err, fs.ErrNotExist):
			dirs = append(dirs, d) // discovery reports it
		case slices.Contains(s.Optional, d):
			notes = append(notes, Warning{Path: d, Message: "no functions folder here, so no functions from it"})
		default:
			return nil, nil, missingFolder(d)
		}
	}
	found, err := discover.DiscoverAll(ctx, dirs, s.functions(), opts)
	if err != nil {
		return nil, nil, err
	}
	for i := range found.Functions {
		found.Functions[i].Generated = s.generated(found.Functions[i])
	}
	return found, notes, nil
}

// skipped are the notes for entries of the site's own sources that are
// not functions (a .py file, a folder without a main file), one each, so
// that a function that was meant but not found is explained. Entries of
// generated sources are left out: a framework's configuration files sit
// beside its functions, and the user cannot act on them.
func (s Sources) skipped(found *discover.Result) []Warning {
	var out []Warning
	for _, w := range found.Skipped {
		if s.generated(discover.Function{SrcPath: w.Path}) {
			continue
		}
		out = append(out, Warning{Path: w.Path, Message: w.Msg})
	}
	return out
}

// emptyWarnings are the warnings for a build that found no function: one
// per folder that was asked for (not a site's optional default), so an
// empty deploy from a wrong but existing folder is never silent, and
// fails a strict build.
func (s Sources) emptyWarnings() []Warning {
	var out []Warning
	for _, d := range s.directories() {
		if !slices.Contains(s.Optional, d) {
			out = append(out, Warning{Path: d, Message: "no functions in this folder, so the build is empty; check the folder"})
		}
	}
	return out
}

// ErrNoSourceFolder means a functions folder that was asked for does not
// exist.
var ErrNoSourceFolder = errors.New("functions folder does not exist")

// missingFolder is the error for a missing functions folder, with the
// nearest existing sibling as a suggestion ("netlify/function" →
// "netlify/functions").
func missingFolder(dir string) error {
	hint := "check the path"
	parent := filepath.Dir(dir)
	if entries, err := os.ReadDir(parent); err == nil {
		var names []string
		for _, e := range entries {
			if e.IsDir() {
				names = append(names, e.Name())
			}
		}
		if s := suggest.Closest(filepath.Base(dir), names); s != "" {
			hint = fmt.Sprintf("did you mean %q?", filepath.Join(parent, s))
		}
	} else {
		hint = fmt.Sprintf("%s does not exist either; check the path", parent)
	}
	return fmt.Errorf("%w: %s; %s", ErrNoSourceFolder, dir, hint)
}

// priority is a function's priority in results and the manifest.
func priority(fn discover.Function) int {
	if fn.Generated {
		return PriorityGenerated
	}
	return PriorityUser
}
