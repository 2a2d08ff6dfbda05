package node

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/zisi-build/zisi/internal/archive"
	"github.com/zisi-build/zisi/internal/discover"
)

// ErrReservedPath means a shipped file's path contains the name reserved
// for generated entry points.
var ErrReservedPath = errors.New("reserved path")

// Layout is where a bundle's files go in the archive.
type Layout struct {
	Entries []archive.Entry
	// EntryFilename is the entry file the platform loads, as the reference
	// reports it: `<stem>.js` for v1 functions even when the main file
	// itself serves (a quirk kept for compatibility).
	EntryFilename string
	// BootstrapVersion is the v2 bootstrap's version (zip output only).
	BootstrapVersion string
}

// Stem is the base name archives and entry files are named after: the
// function's file name without the main file's extension (`my.func/` with
// `my.func.js` gives `my.func`).
func Stem(fn discover.Function) string {
	return strings.TrimSuffix(fn.Filename, filepath.Ext(fn.MainFile))
}

// Names of the files zisi generates in archives: the v2 entry point,
// metadata and bootstrap, and the telemetry file
// zisi_add_instrumentation_loader adds.
const (
	EntryPointName = "___netlify-entry-point.mjs"
	MetadataName   = "___netlify-metadata.json"
	BootstrapName  = "___netlify-bootstrap.mjs"
	// ServerMarkerName marks a Netlify Server archive (LayOptions.Server).
	ServerMarkerName = "___netlify-server.json"
	TelemetryName    = "___netlify-telemetry.mjs"
)

// LayOptions says how a bundle is written.
type LayOptions struct {
	// DirOutput is set for --archive-format none: the entry file is then
	// always written (unless a shipped file takes its place) and v2
	// directories get no metadata file, as in the reference.
	DirOutput bool
	// APIVersion 2 makes the archive a v2 one: entry point, metadata and
	// bootstrap.
	APIVersion int
	// Bootstrap is the v2 runtime shipped as ___netlify-bootstrap.mjs.
	Bootstrap *Bootstrap
	// Branch is the branch being deployed, recorded in the v2 metadata
	// file when set.
	Branch string
	// Server lays out the Netlify Server (the reference's isServer, with
	// APIVersion 2): the entry point re-exports the main module as
	// `func` for the platform's own runtime, a ___netlify-server.json
	// marker holding {} is added, and no bootstrap or metadata ships.
	Server bool
	// Flags name a v1 entry file: `<stem>.mjs` for ESM with
	// zisi_pure_esm_mjs, `<stem>.cjs` for CommonJS with
	// zisi_output_cjs_extension.
	Flags Flags
	// Telemetry, when set, is shipped as ___netlify-telemetry.mjs
	// (TelemetryFile makes it).
	Telemetry []byte
}

// Lay places a bundle's files. In-archive paths are relative to the
// bundle's base path, or to the common directory of all shipped files,
// with the reference's plugins folder rules (see place): files loaded
// from .netlify/plugins/node_modules go under node_modules, and a
// function living there is rooted at .netlify/plugins. Files those rules
// cannot place are left out, with a warning on the bundle.
//
// v1: an entry file that re-exports the main file's handler is added when
// the main file is not itself `<stem>.js|.mjs|.cjs` at the root; when
// another file already sits there, every file moves under `src/` to make
// room (reference §11.2–11.3). It is `<stem>.js` with `module.exports =
// require(…)` for a CommonJS bundle and `export { handler } from …` for an
// ESM one, named as outputExtension says.
//
// v2: the entry point ___netlify-entry-point.mjs hands the main file to
// the bootstrap's Lambda adapter; ___netlify-metadata.json records the
// bootstrap version (zip only).
func Lay(fn discover.Function, b *Bundle, o LayOptions) (*Layout, error) {
	if o.APIVersion == 2 && o.Bootstrap == nil && !o.Server {
		return nil, fmt.Errorf("lay out v2 function %q: %w", fn.Name, ErrNoBootstrap)
	}
	dirs := b.SrcFiles
	if b.BasePath != "" {
		dirs = append(slices.Clip(dirs), filepath.Join(b.BasePath, "x"))
	}
	pl, err := place(fn.SrcDir, b.SrcFiles, commonDir(dirs))
	if err != nil {
		return nil, err
	}
	b.warnDropped(pl)
	entryStem := strings.TrimSuffix(fn.Filename, filepath.Ext(fn.Filename))
	isRootName := func(name string) bool {
		ext, ok := strings.CutPrefix(name, entryStem)
		return ok && (ext == ".js" || ext == ".mjs" || ext == ".cjs")
	}

	var mainRel string
	if i := slices.Index(b.SrcFiles, b.MainFile); i >= 0 && pl.names[i] != "" {
		mainRel = pl.names[i]
	} else if mainRel, err = rel(pl.base, b.MainFile); err != nil {
		return nil, err
	}
	conflict := false
	for i, f := range b.SrcFiles {
		if strings.Contains(f, discover.ReservedName) {
			return nil, fmt.Errorf("%w %q: %q is a reserved word and cannot be used as a file or directory name", ErrReservedPath, f, discover.ReservedName)
		}
		if f == b.MainFile || o.APIVersion == 2 {
			continue
		}
		conflict = conflict || isRootName(pl.names[i])
	}
	prefix := ""
	if conflict {
		prefix = "src/"
	}
	l := &Layout{EntryFilename: entryStem + ".js", Entries: make([]archive.Entry, 0, len(b.SrcFiles)+4)}
	if o.Telemetry != nil {
		l.Entries = append(l.Entries, archive.Entry{Name: TelemetryName, Data: o.Telemetry})
	}
	// The v1 entry file is added unless a shipped file takes its name.
	entryFile := entryStem + outputExtension(b.ModuleFormat, o.Flags)
	entryTaken := false
	for i, f := range b.SrcFiles {
		r := pl.names[i]
		if r == "" {
			continue // dropped, with a warning
		}
		name := prefix + r
		entryTaken = entryTaken || name == entryFile
		e := archive.Entry{Name: name, Path: f}
		if data, ok := b.Generated[f]; ok {
			e = archive.Entry{Name: name, Data: data}
		}
		l.Entries = append(l.Entries, e)
	}
	if o.APIVersion == 2 && o.Server {
		l.EntryFilename = EntryPointName
		l.Entries = append(l.Entries,
			archive.Entry{Name: EntryPointName, Data: []byte(fmt.Sprintf("export * as func from './%s'", mainRel))},
			archive.Entry{Name: ServerMarkerName, Data: []byte("{}")})
		return l, nil
	}
	if o.APIVersion == 2 {
		l.EntryFilename = EntryPointName
		content := fmt.Sprintf("import * as bootstrap from './%s';export const handler = bootstrap.getLambdaHandler('./%s')", BootstrapName, mainRel)
		l.Entries = append(l.Entries,
			archive.Entry{Name: EntryPointName, Data: []byte(content)},
			archive.Entry{Name: BootstrapName, Path: o.Bootstrap.File, Trusted: true})
		if !o.DirOutput {
			l.Entries = append(l.Entries, archive.Entry{Name: MetadataName, Data: o.Bootstrap.metadata(o.Branch)})
			l.BootstrapVersion = o.Bootstrap.Version
		}
		return l, nil
	}
	if !conflict && isRootName(mainRel) && !o.DirOutput {
		// The main file serves; the reference still reports <stem>.js.
		return l, nil
	}
	l.EntryFilename = entryFile
	if !entryTaken {
		content := fmt.Sprintf("module.exports = require('./%s')", prefix+mainRel)
		if b.ModuleFormat == formatESM {
			content = fmt.Sprintf("export { handler } from './%s'", prefix+mainRel)
		}
		l.Entries = append(l.Entries, archive.Entry{Name: l.EntryFilename, Data: []byte(content)})
	}
	return l, nil
}

// isClean reports, without cleaning it, whether filepath.Clean would
// leave the absolute path p as it is: no empty, "." or ".." segment and no
// trailing separator. It reads p once (every shipped file of every
// function is checked several times).
func isClean(p string) bool {
	const sep = filepath.Separator
	if p == "" || p[0] != sep {
		return false
	}
	if len(p) == 1 {
		return true
	}
	// Each segment starts after a separator; p[0] is one.
	for i := 0; i < len(p); {
		j := i + 1
		for j < len(p) && p[j] != sep {
			j++
		}
		switch seg := p[i+1 : j]; seg {
		case "", ".", "..":
			return false
		}
		i = j
	}
	return true
}

// below is p relative to dir ("" for dir itself) when p is a clean
// absolute path at or below dir. Every file of every function is placed
// and checked against the base this way: a prefix cut, where
// filepath.Rel cleans both paths first. Callers fall back to
// filepath.Rel when it says no.
func below(dir, p string) (string, bool) {
	const sep = string(filepath.Separator)
	if dir == "" || !isClean(p) {
		return "", false
	}
	if p == dir {
		return "", true
	}
	if dir == sep {
		return p[1:], true
	}
	// dir + sep as a prefix, without building that string for every call.
	if len(p) > len(dir) && p[len(dir)] == sep[0] && strings.HasPrefix(p, dir) {
		return p[len(dir)+1:], true
	}
	return "", false
}

func rel(base, p string) (string, error) {
	if r, ok := below(base, p); ok && r != "" {
		return filepath.ToSlash(r), nil
	}
	r, err := filepath.Rel(base, p)
	if err != nil {
		return "", fmt.Errorf("place %q in archive: %w", p, err)
	}
	return filepath.ToSlash(r), nil
}
