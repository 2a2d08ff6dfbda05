package archive

import (
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
)

// item is an entry with its content source decided.
type item struct {
	Entry
	mode fs.FileMode // normalised: 0644, 0755 or symlink
	link string      // symlink text when mode is a symlink
	real string      // path of the resolved regular file
	size int64       // content size as stat saw it before writing
	// blob holds the compressed content of a file not streamed, shared
	// by every archive storing the file.
	blob *blob
}

// resolve applies the symlink policy and reads modes, inspecting each file
// through comp's per-build cache. byPath maps on-disk paths to entry names
// so links between entries can stay links.
func resolve(entries []Entry, comp *Compressor) ([]item, error) {
	// Made for the first link only: most archives have none.
	var byPath, dirs map[string]string
	index := func() {
		if byPath != nil {
			return
		}
		byPath = make(map[string]string, len(entries))
		for _, e := range entries {
			if e.Path != "" {
				byPath[filepath.Clean(e.Path)] = e.Name
			}
		}
		dirs = dirIndex(entries)
	}
	items := make([]item, len(entries))
	for i, e := range entries {
		it := item{Entry: e}
		if e.Path == "" {
			it.mode = fileMode(e.Executable)
			it.size = int64(len(e.Data))
			items[i] = it
			continue
		}
		info := comp.inspect(e.Path)
		if info.err != nil {
			return nil, fmt.Errorf("inspect %q: %w", e.Path, info.err)
		}
		if !e.Trusted && info.real != "" && !comp.containedInfo(info) {
			return nil, fmt.Errorf("%w: %q leads to %q through a symbolic link; nothing outside the repository root ships (it could hold the build machine's secrets): remove the link, copy what it needs into the site, or allow that folder explicitly (--allow-outside)", ErrOutsideRoot, e.Path, info.real)
		}
		fi := info.lstat
		if fi.Mode()&fs.ModeSymlink != 0 {
			// A link that cannot be followed (dangling, or a loop) would be
			// as broken once deployed, even between entries.
			if info.linkErr != nil {
				return nil, fmt.Errorf("follow symlink %q: %w; remove it or point it at an existing file", e.Path, info.linkErr)
			}
			index()
			if link, ok := internalLink(e, info.target, byPath, dirs); ok {
				it.mode, it.link = fs.ModeSymlink|0o777, link
				items[i] = it
				continue
			}
			// Any other link: store what it points to.
			fi = info.stat
		}
		if fi.IsDir() {
			return nil, fmt.Errorf("archive %q: a symlinked directory can only be stored when its target's files are in the same archive", e.Path)
		}
		if !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("archive %q: not a regular file (%s); remove it, or leave it out with a \"!\" pattern in included_files", e.Path, fi.Mode().Type())
		}
		it.mode = fileMode(fi.Mode()&0o111 != 0 || e.Executable)
		it.real, it.size = e.Path, fi.Size()
		if !streamed(it) {
			it.blob = comp.blobOf(info, keyOf(e.Path, fi))
		}
		items[i] = it
	}
	return items, nil
}

// dirIndex maps the on-disk directories of entries to their names in the
// archive ("" for the root), walking up path and name together.
func dirIndex(entries []Entry) map[string]string {
	dirs := map[string]string{}
	for _, e := range entries {
		if e.Path == "" {
			continue
		}
		p, n := filepath.Clean(e.Path), e.Name
		for {
			p, n = filepath.Dir(p), path.Dir(n)
			if n == "." {
				n = ""
			}
			if _, ok := dirs[p]; ok {
				break
			}
			dirs[p] = n
			if n == "" {
				break
			}
		}
	}
	return dirs
}

// internalLink returns the relative link text when e is a symlink whose
// target is itself an entry of this archive, or a directory holding some.
func internalLink(e Entry, target string, byPath, dirs map[string]string) (string, bool) {
	if target == "" {
		return "", false
	}
	if !filepath.IsAbs(target) {
		target = filepath.Join(filepath.Dir(e.Path), target)
	}
	target = filepath.Clean(target)
	name, ok := byPath[target]
	if !ok {
		name, ok = dirs[target]
	}
	if !ok || name == e.Name {
		return "", false
	}
	rel, err := relSlash(path.Dir(e.Name), name)
	if err != nil {
		return "", false
	}
	return rel, true
}

// relSlash is filepath.Rel for slash-separated archive names.
func relSlash(fromDir, to string) (string, error) {
	rel, err := filepath.Rel(filepath.FromSlash("/"+fromDir), filepath.FromSlash("/"+to))
	if err != nil {
		return "", err
	}
	return filepath.ToSlash(rel), nil
}
