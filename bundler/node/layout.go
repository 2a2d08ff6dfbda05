package node

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/zisi-build/zisi/bundler/archive"
	"github.com/zisi-build/zisi/bundler/discover"
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
}

// Stem is the base name archives and entry files are named after: the
// function's file name without the main file's extension (`my.func/` with
// `my.func.js` gives `my.func`).
func Stem(fn discover.Function) string {
	return strings.TrimSuffix(fn.Filename, filepath.Ext(fn.MainFile))
}

// Lay places a v1 bundle's files. In-archive paths are relative to the
// common directory of all shipped files. An entry file `<stem>.js` that
// re-exports the main file is added when the main file is not itself
// `<stem>.js|.mjs|.cjs` at the root; when another file already sits there,
// every file moves under `src/` to make room (reference §11.2–11.3). For
// directory output the entry file is always written unless a shipped file
// takes its place, as the reference does.
func Lay(fn discover.Function, b *Bundle, dirOutput bool) (*Layout, error) {
	base := commonDir(b.SrcFiles)
	entryStem := strings.TrimSuffix(fn.Filename, filepath.Ext(fn.Filename))
	rootNames := map[string]bool{entryStem + ".js": true, entryStem + ".mjs": true, entryStem + ".cjs": true}

	mainRel, err := rel(base, b.MainFile)
	if err != nil {
		return nil, err
	}
	conflict := false
	for _, f := range b.SrcFiles {
		if strings.Contains(f, discover.ReservedName) {
			return nil, fmt.Errorf("%w %q: %q is a reserved word and cannot be used as a file or directory name", ErrReservedPath, f, discover.ReservedName)
		}
		if f == b.MainFile {
			continue
		}
		r, err := rel(base, f)
		if err != nil {
			return nil, err
		}
		conflict = conflict || rootNames[r]
	}
	prefix := ""
	if conflict {
		prefix = "src/"
	}
	l := &Layout{EntryFilename: entryStem + ".js"}
	taken := map[string]bool{}
	for _, f := range b.SrcFiles {
		r, err := rel(base, f)
		if err != nil {
			return nil, err
		}
		name := prefix + r
		taken[name] = true
		l.Entries = append(l.Entries, archive.Entry{Name: name, Path: f})
	}
	needEntry := conflict || !rootNames[mainRel] || dirOutput
	if needEntry && !taken[l.EntryFilename] {
		content := fmt.Sprintf("module.exports = require('./%s')", prefix+mainRel)
		l.Entries = append(l.Entries, archive.Entry{Name: l.EntryFilename, Data: []byte(content)})
	}
	return l, nil
}

func rel(base, p string) (string, error) {
	r, err := filepath.Rel(base, p)
	if err != nil {
		return "", fmt.Errorf("place %q in archive: %w", p, err)
	}
	return filepath.ToSlash(r), nil
}
