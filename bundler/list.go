package bundler

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/zisi-build/zisi/bundler/discover"
	"github.com/zisi-build/zisi/bundler/node"
)

// ListedFunction is one function found by ListFunctions, with the
// reference's listFunctions fields.
type ListedFunction struct {
	Name        string `json:"name"`
	MainFile    string `json:"mainFile"`
	Runtime     string `json:"runtime"`
	Extension   string `json:"extension"`
	SrcDir      string `json:"srcDir"`
	SrcPath     string `json:"srcPath"`
	DisplayName string `json:"displayName,omitempty"`
	Generator   string `json:"generator,omitempty"`
	Timeout     int    `json:"timeout,omitempty"`
	Schedule    string `json:"schedule,omitempty"`
}

// ListedFile is one source file of one function (ListFunctionsFiles).
type ListedFile struct {
	ListedFunction
	// SrcFile is the file; Extension (embedded) is its extension.
	SrcFile string `json:"srcFile"`
}

// Listing is the outcome of ListFunctions.
type Listing struct {
	Functions []ListedFunction
	Warnings  []Warning
}

// FilesListing is the outcome of ListFunctionsFiles.
type FilesListing struct {
	Files    []ListedFile
	Warnings []Warning
}

// ListFunctions lists every function candidate in srcDirs without building
// anything. Like the reference it does not de-duplicate names (each
// candidate path is listed) and keeps paths in the form given.
func ListFunctions(ctx context.Context, srcDirs []string, opts Options) (*Listing, error) {
	found, err := discover.Discover(ctx, srcDirs, opts.discoverOptions())
	if err != nil {
		return nil, err
	}
	out := &Listing{Warnings: discoveryWarnings(found)}
	for _, fn := range found.Functions {
		out.Functions = append(out.Functions, listed(fn, &opts))
	}
	return out, nil
}

// ListFunctionsFiles lists every source file each function would ship.
func ListFunctionsFiles(ctx context.Context, srcDirs []string, opts Options) (*FilesListing, error) {
	found, err := discover.Discover(ctx, srcDirs, opts.discoverOptions())
	if err != nil {
		return nil, err
	}
	out := &FilesListing{Warnings: discoveryWarnings(found)}
	env := node.NewEnv(opts.BasePath)
	for _, fn := range found.Functions {
		lf := listed(fn, &opts)
		files := []string{fn.SrcPath}
		if fn.Runtime == discover.RuntimeJS && fn.Kind != discover.KindZip {
			bundle, err := node.Build(ctx, node.Input{Function: fn, Config: opts.functionConfig(fn.Name), Env: env})
			if err != nil {
				out.Warnings = append(out.Warnings, Warning{Function: fn.Name, Message: err.Error()})
				continue
			}
			files = bundle.SrcFiles
		}
		for _, f := range files {
			item := ListedFile{ListedFunction: lf, SrcFile: f}
			item.Extension = filepath.Ext(f)
			out.Files = append(out.Files, item)
		}
	}
	return out, nil
}

func listed(fn discover.Function, opts *Options) ListedFunction {
	cfg := opts.functionConfig(fn.Name)
	return ListedFunction{
		Name: fn.Name, MainFile: fn.MainFile, Runtime: string(fn.Runtime), Extension: fn.Extension,
		SrcDir: fn.SrcDir, SrcPath: fn.SrcPath, DisplayName: cfg.Name, Generator: cfg.Generator,
		Timeout: cfg.Timeout, Schedule: cfg.Schedule,
	}
}

func discoveryWarnings(found *discover.Result) []Warning {
	var out []Warning
	for _, w := range found.Warnings {
		out = append(out, Warning{Path: w.Path, Message: w.Msg})
	}
	return out
}

// shadowWarnings reports a name found in several source folders: only the
// last folder's function is built (the reference's rule), which is rarely
// what the user meant when the folders differ.
func shadowWarnings(fns []discover.Function) []Warning {
	byName := map[string][]discover.Function{}
	var order []string
	for _, fn := range fns {
		if _, ok := byName[fn.Name]; !ok {
			order = append(order, fn.Name)
		}
		byName[fn.Name] = append(byName[fn.Name], fn)
	}
	var out []Warning
	for _, name := range order {
		cands := byName[name]
		winner := cands[len(cands)-1]
		for _, c := range cands[:len(cands)-1] {
			if filepath.Dir(c.SrcPath) != filepath.Dir(winner.SrcPath) {
				out = append(out, Warning{Function: name, Path: c.SrcPath, Message: fmt.Sprintf(
					"not built: %q from a later source folder has the same name and wins; rename one of them to build both", winner.SrcPath)})
			}
		}
	}
	return out
}
