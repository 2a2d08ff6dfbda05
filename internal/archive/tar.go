package archive

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/klauspost/compress/gzip"
)

// WriteTarGz writes entries to a gzip-compressed tar at dest atomically
// and returns its size: the archive format of the reference's Netlify
// Server (server.tgz, written by archiver's TarArchive with gzip).
//
// It follows the zip writer's rules, so its bytes depend only on the
// entries: the same validation, sorting, symlink policy and containment
// check (comp's roots), modes normalised to 0644 or 0755 (0777 for a
// link), every entry dated the Unix epoch as the reference dates them,
// owner 0:0 with no user or group names, and a gzip header with no name
// and no time, compressed at the zip writer's DEFLATE level. Only regular
// files and symbolic links are stored, no directory entries, as in the
// reference's archive. comp may be nil.
func WriteTarGz(ctx context.Context, dest string, entries []Entry, comp *Compressor) (int64, error) {
	if comp == nil {
		comp = NewCompressor()
	}
	entries, err := normalize(entries)
	if err != nil {
		return 0, err
	}
	items, err := resolve(entries, comp)
	if err != nil {
		return 0, err
	}
	var size int64
	err = writeAtomic(dest, comp.syncMode(), comp, func(f *os.File) error {
		gz, err := gzip.NewWriterLevel(f, deflateLevel)
		if err != nil {
			return fmt.Errorf("write %q: %w", dest, err)
		}
		tw := tar.NewWriter(gz)
		for _, it := range items {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := writeTarItem(ctx, tw, it); err != nil {
				return fmt.Errorf("write %q: %w", dest, err)
			}
		}
		// Both closes write trailers: the tar's end blocks, gzip's CRC.
		if err := tw.Close(); err != nil {
			return fmt.Errorf("write %q: %w", dest, err)
		}
		if err := gz.Close(); err != nil {
			return fmt.Errorf("write %q: %w", dest, err)
		}
		fi, err := f.Stat()
		if err != nil {
			return fmt.Errorf("inspect %q: %w", dest, err)
		}
		size = fi.Size()
		return nil
	})
	return size, err
}

func writeTarItem(ctx context.Context, tw *tar.Writer, it item) error {
	hdr := &tar.Header{
		Name:    it.Name,
		ModTime: time.Unix(0, 0),
		Mode:    int64(it.mode.Perm()),
		// USTAR when the name fits (a prefix and a 100-byte name), else
		// PAX records, which hold the name alone: no access or change
		// times, so the bytes stay the same from one build to the next.
		Format: tar.FormatUnknown,
	}
	if it.mode&fs.ModeSymlink != 0 {
		hdr.Typeflag, hdr.Linkname = tar.TypeSymlink, it.link
		return tw.WriteHeader(hdr)
	}
	hdr.Typeflag = tar.TypeReg
	if it.real == "" {
		hdr.Size = int64(len(it.Data))
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("archive %q: %w", it.Name, err)
		}
		_, err := tw.Write(it.Data)
		return err
	}
	f, err := os.Open(it.real)
	if err != nil {
		return fmt.Errorf("read %q: %w", it.real, err)
	}
	defer f.Close()
	// The size comes from the open file: a tar header must state it
	// before the content, and a file that changed since it was inspected
	// must not make the entry disagree with its header.
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("read %q: %w", it.real, err)
	}
	hdr.Size = fi.Size()
	if err := tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("archive %q: %w", it.Name, err)
	}
	if _, err := io.Copy(tw, io.LimitReader(ctxReader{ctx, f}, hdr.Size)); err != nil {
		return fmt.Errorf("archive %q: %w", it.real, err)
	}
	return nil
}
