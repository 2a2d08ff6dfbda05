//go:build !unix

package archive

import "io/fs"

// fileKey identifies a file's content for the compression cache by path,
// size and modification time.
type fileKey struct {
	size  int64
	mtime int64
	path  string
}

func keyOf(path string, fi fs.FileInfo) fileKey {
	return fileKey{path: path, size: fi.Size(), mtime: fi.ModTime().UnixNano()}
}
