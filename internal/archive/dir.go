package archive

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// WriteDir writes entries as a plain directory tree at dest (the
// reference's `archiveFormat: none`), replacing any previous directory
// there only once the new tree is complete.
func WriteDir(ctx context.Context, dest string, entries []Entry) error {
	_, err := WriteDirLimited(ctx, dest, entries, Limits{})
	return err
}

// WriteDirLimited is WriteDir refusing, before writing anything, content
// over the unzipped limit (a directory has no zipped size).
func WriteDirLimited(ctx context.Context, dest string, entries []Entry, lim Limits) (st Stats, err error) {
	entries, err = normalize(entries)
	if err != nil {
		return st, err
	}
	items, err := resolve(entries, NewCompressor())
	if err != nil {
		return st, err
	}
	st = itemStats(items)
	if err := checkUnzipped(dest, st, Limits{Unzipped: lim.Unzipped}); err != nil {
		return st, err
	}
	parent, base := filepath.Split(filepath.Clean(dest))
	if parent == "" {
		parent = "."
	}
	tmp, err := os.MkdirTemp(parent, "."+base+".tmp-*")
	if err != nil {
		return st, fmt.Errorf("create %q: %w", dest, err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	for _, it := range items {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		if err := writeDirItem(tmp, it); err != nil {
			return st, err
		}
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return st, fmt.Errorf("create %q: %w", dest, err)
	}
	return st, swapDir(tmp, dest)
}

func writeDirItem(root string, it item) error {
	p := filepath.Join(root, filepath.FromSlash(it.Name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("create %q: %w", filepath.Dir(p), err)
	}
	if it.mode&fs.ModeSymlink != 0 {
		if err := os.Symlink(filepath.FromSlash(it.link), p); err != nil {
			return fmt.Errorf("create symlink %q: %w", p, err)
		}
		return nil
	}
	out, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, it.mode.Perm())
	if err != nil {
		return fmt.Errorf("create %q: %w", p, err)
	}
	if it.real == "" {
		_, err = out.Write(it.Data)
	} else {
		err = copyFrom(out, it.real)
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %q: %w", p, err)
	}
	// OpenFile's mode is subject to the umask; set it exactly.
	if err := os.Chmod(p, it.mode.Perm()); err != nil {
		return fmt.Errorf("write %q: %w", p, err)
	}
	return nil
}

func copyFrom(w io.Writer, path string) error {
	in, err := os.Open(path)
	if err != nil {
		return err
	}
	defer in.Close()
	_, err = io.Copy(w, in)
	return err
}

// swapDir moves tmp to dest, moving an existing dest aside first and
// deleting it only after the new tree is in place.
func swapDir(tmp, dest string) error {
	old := ""
	if _, err := os.Lstat(dest); err == nil {
		old = tmp + ".old"
		if err := os.Rename(dest, old); err != nil {
			return fmt.Errorf("replace %q: %w", dest, err)
		}
	}
	if err := os.Rename(tmp, dest); err != nil {
		if old != "" {
			os.Rename(old, dest)
		}
		return fmt.Errorf("replace %q: %w", dest, err)
	}
	if old != "" {
		if err := os.RemoveAll(old); err != nil {
			return fmt.Errorf("remove old %q: %w", old, err)
		}
	}
	return nil
}
