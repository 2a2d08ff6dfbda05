package archive

import (
	"archive/zip"
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/klauspost/compress/flate"
)

const (
	methodStore   = zip.Store
	methodDeflate = zip.Deflate

	// dosDate1980 is 1980-01-01 in MS-DOS date format, the earliest date a
	// zip can hold; the time field is 00:00.
	dosDate1980 = 0x21
	// creatorUnix marks external attributes as Unix modes (made by Unix,
	// spec version 2.0).
	creatorUnix = 3<<8 | 20
	flagUTF8    = 0x800
	// flagDataDescriptor is only needed for entries over 4 GiB, whose
	// sizes go into the zip64 fields written after the data.
	flagDataDescriptor = 0x8
	uint32max          = 1<<32 - 1
)

// writeBuffer is the size of each archive's write buffer. Up to nine
// archives per CPU are under way at once (workslot), each holding one;
// at 1 MiB they were a tenth to a quarter of a 200-function build's
// peak memory (217-258 MB against 194 MB at 256 KiB),
// and writing 256 KiB at a time costs no more CPU.
const writeBuffer = 256 << 10

// writeBuffers recycles the write buffers: one per archive would be a
// gigabyte of garbage for a thousand functions.
var writeBuffers = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, writeBuffer) }}

// WriteZip writes entries to a zip at dest atomically and returns its size.
// comp shares compressed file contents between archives of one build; it
// may be nil.
func WriteZip(ctx context.Context, dest string, entries []Entry, comp *Compressor) (int64, error) {
	st, err := WriteZipLimited(ctx, dest, entries, comp, Limits{})
	return st.Zipped, err
}

// WriteZipLimited is WriteZip within limits: over the unzipped limit it
// fails before reading any file, over the zipped one before the archive
// replaces dest; either way with a *SizeError and nothing written. The
// Stats are returned in both cases.
func WriteZipLimited(ctx context.Context, dest string, entries []Entry, comp *Compressor, lim Limits) (Stats, error) {
	if comp == nil {
		comp = NewCompressor()
	}
	entries, err := normalize(entries)
	if err != nil {
		return Stats{}, err
	}
	items, err := resolve(entries, comp)
	if err != nil {
		return Stats{}, err
	}
	st := itemStats(items)
	if err := checkUnzipped(dest, st, lim); err != nil {
		return st, err
	}
	pctx, stop := context.WithCancel(ctx)
	defer stop()
	go comp.prefetch(pctx, items)
	err = writeAtomic(dest, comp.syncMode(), comp, func(f *os.File) error {
		// One write per writeBuffer rather than per 4 KiB (zip.Writer's
		// own buffer, which it skips for a large enough *bufio.Writer):
		// most entries are small, so that was ten times the syscalls.
		// The writer flushes it.
		bw := writeBuffers.Get().(*bufio.Writer)
		bw.Reset(f)
		defer func() {
			bw.Reset(nil) // drop f
			writeBuffers.Put(bw)
		}()
		write := writeWithZip
		if direct(items) {
			write = writeDirect
		}
		if err := write(ctx, bw, items, comp, dest); err != nil {
			return err
		}
		fi, err := f.Stat()
		if err != nil {
			return fmt.Errorf("inspect %q: %w", dest, err)
		}
		st.Zipped = fi.Size()
		if lim.Zipped > 0 && st.Zipped > lim.Zipped {
			return newSizeError(dest, st, lim, true)
		}
		return nil
	})
	return st, err
}

// writeWithZip writes items through archive/zip: for archives holding a
// file large enough to stream, or past what plain zip fields hold.
func writeWithZip(ctx context.Context, bw *bufio.Writer, items []item, comp *Compressor, dest string) error {
	zw := zip.NewWriter(bw)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, deflateLevel)
	})
	for _, it := range items {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := writeItem(ctx, zw, it, comp); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("write %q: %w", dest, err)
	}
	return nil
}

// entryHeader is what an entry's local and central headers hold.
type entryHeader struct {
	reader, flags, method uint16
	crc                   uint32
	csize, usize          uint64
	attrs                 uint32
	offset                uint64
}

// header works out an entry's header fields and stored bytes,
// compressing through comp; a streamed item gets its method alone (the
// zip writer works out the rest as it deflates the file).
func header(ctx context.Context, it item, comp *Compressor) (entryHeader, []byte, error) {
	h := entryHeader{reader: 20}
	if !isASCII(it.Name) {
		h.flags |= flagUTF8
	}
	var data []byte
	switch {
	case streamed(it):
		h.method = methodDeflate
	case it.mode&fs.ModeSymlink != 0:
		h.method, h.reader = methodStore, 10
		data = []byte(it.link)
		h.crc, h.usize = crc(data), uint64(len(data))
		h.attrs = (0o120000 | 0o777) << 16
	case it.real != "":
		b := comp.file(ctx, it.blob, it.real)
		if b.err != nil {
			return h, nil, b.err
		}
		h.method, h.crc, h.usize, data = b.method, b.crc, b.size, b.data
	default:
		var err error
		h.method, h.crc, h.usize, data, err = deflate(it.Data)
		if err != nil {
			return h, nil, fmt.Errorf("archive %q: %w", it.Name, err)
		}
	}
	if it.mode&fs.ModeSymlink == 0 {
		h.attrs = uint32(0o100000|it.mode.Perm()) << 16
	}
	h.csize = uint64(len(data))
	if h.usize >= uint32max || h.csize >= uint32max {
		h.flags |= flagDataDescriptor
	}
	return h, data, nil
}

func writeItem(ctx context.Context, zw *zip.Writer, it item, comp *Compressor) error {
	h, data, err := header(ctx, it, comp)
	if err != nil {
		return err
	}
	fh := &zip.FileHeader{
		Name: it.Name, CreatorVersion: creatorUnix, ReaderVersion: h.reader, Flags: h.flags, Method: h.method,
		CRC32: h.crc, CompressedSize64: h.csize, UncompressedSize64: h.usize, ExternalAttrs: h.attrs,
		// Modified would also write an extended-timestamp extra field and,
		// for the zero time, a wrong date; the DOS fields alone are exact.
		//lint:ignore SA1019 the deprecated field is the only way to write exactly this header
		ModifiedDate: dosDate1980,
	}
	if streamed(it) {
		return streamItem(ctx, zw, fh, it.real)
	}
	w, err := zw.CreateRaw(fh)
	if err != nil {
		return fmt.Errorf("archive %q: %w", it.Name, err)
	}
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("archive %q: %w", it.Name, err)
	}
	return nil
}

// direct reports whether writeDirect can write items: none streamed,
// and every size, offset and count within plain zip fields (no zip64).
// Stored bytes are never larger than the content (deflate falls back to
// storing), so the content sizes bound the archive.
func direct(items []item) bool {
	if len(items) >= 1<<16-1 {
		return false
	}
	var total uint64
	for _, it := range items {
		if streamed(it) || len(it.Name) > 1<<16-1 {
			return false
		}
		size := uint64(max(it.size, 0)) + uint64(len(it.Data)) + uint64(len(it.link))
		total += size + fileHeaderLen + directoryHeaderLen + 2*uint64(len(it.Name))
	}
	return total+directoryEndLen < uint32max
}

// Zip record sizes and signatures (APPNOTE.TXT 4.3).
const (
	fileHeaderLen      = 30
	directoryHeaderLen = 46
	directoryEndLen    = 22
	fileHeaderSig      = 0x04034b50
	directoryHeaderSig = 0x02014b50
	directoryEndSig    = 0x06054b50
)

// writeDirect writes items as a zip, byte for byte what archive/zip's
// CreateRaw and Close write for the same headers, without a header, a
// writer and a directory record allocated for every entry (a thousand
// per function on a large site).
func writeDirect(ctx context.Context, bw *bufio.Writer, items []item, comp *Compressor, dest string) error {
	dir := make([]entryHeader, 0, len(items))
	var off uint64
	var buf [directoryHeaderLen]byte
	for _, it := range items {
		if err := ctx.Err(); err != nil {
			return err
		}
		h, data, err := header(ctx, it, comp)
		if err != nil {
			return err
		}
		h.offset = off
		b := buf[:fileHeaderLen]
		le.PutUint32(b[0:], fileHeaderSig)
		putEntry(b[4:], h, it.Name)
		le.PutUint16(b[28:], 0) // extra
		bw.Write(b)
		bw.WriteString(it.Name)
		if _, err := bw.Write(data); err != nil {
			return fmt.Errorf("write %q: %w", dest, err)
		}
		off += fileHeaderLen + uint64(len(it.Name)) + h.csize
		dir = append(dir, h)
	}
	start := off
	for i, h := range dir {
		name := items[i].Name
		b := buf[:directoryHeaderLen]
		le.PutUint32(b[0:], directoryHeaderSig)
		le.PutUint16(b[4:], creatorUnix)
		putEntry(b[6:], h, name)
		clear(b[30:38]) // extra and comment lengths, disk, internal attributes
		le.PutUint32(b[38:], h.attrs)
		le.PutUint32(b[42:], uint32(h.offset))
		bw.Write(b)
		bw.WriteString(name)
		off += directoryHeaderLen + uint64(len(name))
	}
	b := buf[:directoryEndLen]
	le.PutUint32(b[0:], directoryEndSig)
	clear(b[4:8]) // disk numbers
	le.PutUint16(b[8:], uint16(len(dir)))
	le.PutUint16(b[10:], uint16(len(dir)))
	le.PutUint32(b[12:], uint32(off-start))
	le.PutUint32(b[16:], uint32(start))
	le.PutUint16(b[20:], 0) // comment
	bw.Write(b)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write %q: %w", dest, err)
	}
	return nil
}

// putEntry writes the 24 bytes both headers of an entry share, from the
// version needed to extract to the name's length.
func putEntry(b []byte, h entryHeader, name string) {
	le.PutUint16(b[0:], h.reader)
	le.PutUint16(b[2:], h.flags)
	le.PutUint16(b[4:], h.method)
	le.PutUint16(b[6:], 0) // time
	le.PutUint16(b[8:], dosDate1980)
	le.PutUint32(b[10:], h.crc)
	le.PutUint32(b[14:], uint32(h.csize))
	le.PutUint32(b[18:], uint32(h.usize))
	le.PutUint16(b[22:], uint16(len(name)))
}

var le = binary.LittleEndian

// streamItem deflates a large file while writing it; the zip writer
// computes its CRC and sizes and switches to zip64 fields when they pass
// 4 GiB.
func streamItem(ctx context.Context, zw *zip.Writer, fh *zip.FileHeader, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("read %q: %w", path, err)
	}
	defer f.Close()
	w, err := zw.CreateHeader(fh)
	if err != nil {
		return fmt.Errorf("archive %q: %w", fh.Name, err)
	}
	if _, err := io.Copy(w, ctxReader{ctx, f}); err != nil {
		return fmt.Errorf("archive %q: %w", path, err)
	}
	return nil
}

// ctxReader stops a long copy when ctx ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// syncMode is how a file written atomically reaches the disk.
type syncMode int

const (
	// syncNow syncs the file before renaming it into place: after a
	// crash the name holds the old content or the new, never an empty
	// file.
	syncNow syncMode = iota
	// syncLater renames it as soon as it is written and leaves the sync
	// to the Compressor's syncers (DeferSync).
	syncLater
	// syncNever renames it without syncing it (SkipSync).
	syncNever
)

// syncMode is how the archives written with c reach the disk.
func (c *Compressor) syncMode() syncMode {
	switch {
	case c.skipSync:
		return syncNever
	case c.syncs != nil:
		return syncLater
	}
	return syncNow
}

// writeAtomic creates dest through a temporary file in the same
// directory, renaming it into place only when write succeeds; on failure
// the temporary file is removed and any existing dest is left as it was.
// mode says when it is synced; comp, which syncs it with syncLater, may
// be nil otherwise.
func writeAtomic(dest string, mode syncMode, comp *Compressor, write func(*os.File) error) (err error) {
	dir, base := filepath.Split(dest)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("create %q: %w", dest, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err = write(f); err != nil {
		return err
	}
	if err = f.Chmod(0o644); err != nil {
		return fmt.Errorf("write %q: %w", dest, err)
	}
	if mode == syncNow {
		if err = f.Sync(); err != nil {
			return fmt.Errorf("sync %q: %w", dest, err)
		}
	}
	if mode != syncLater {
		if err = f.Close(); err != nil {
			return fmt.Errorf("write %q: %w", dest, err)
		}
	}
	if err = os.Rename(tmp, dest); err != nil {
		return fmt.Errorf("rename %q: %w", dest, err)
	}
	if mode == syncLater {
		comp.syncLater(dest, f)
	}
	return nil
}

// WriteFile writes data to path atomically (temp file and rename), synced
// to disk first when durable.
func WriteFile(path string, data []byte, durable bool) error {
	mode := syncNever
	if durable {
		mode = syncNow
	}
	return writeAtomic(path, mode, nil, func(f *os.File) error {
		if _, err := f.Write(data); err != nil {
			return fmt.Errorf("write %q: %w", path, err)
		}
		return nil
	})
}
