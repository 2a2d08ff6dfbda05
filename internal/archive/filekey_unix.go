//go:build unix

package archive

import (
	"io/fs"
	"syscall"
)

// fileKey identifies a file's content for the compression cache: device and
// inode (so hard links and several symlinks to one file share an entry),
// plus size and modification time as a guard against reuse.
type fileKey struct {
	dev, ino uint64
	size     int64
	mtime    int64
	path     string
}

func keyOf(path string, fi fs.FileInfo) fileKey {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return fileKey{dev: uint64(st.Dev), ino: uint64(st.Ino), size: fi.Size(), mtime: fi.ModTime().UnixNano()}
	}
	return fileKey{path: path, size: fi.Size(), mtime: fi.ModTime().UnixNano()}
}
