// Package archive writes function archives: byte-reproducible zips,
// gzip-compressed tars for the Netlify Server (WriteTarGz, the same rules
// with the reference's epoch dates) and, for `--archive-format none`,
// plain directories.
//
// Reproducibility is by construction, following golang.org/x/mod/zip and
// ko: entries are sorted by name; every entry carries the DOS date
// 1980-01-01 00:00 set in the header fields directly (no extended
// timestamp extra field); modes are normalised to 0644, or 0755 when any
// execute bit is set; names use forward slashes and are validated (relative,
// no "..", no backslash, no NUL); compression is DEFLATE at level 6 with
// github.com/klauspost/compress/flate (one stream per entry, no parallel
// chunking), falling back to STORE when that does not shrink the data.
// Output bytes therefore depend only on the entries' names, contents and
// executable bits, and on the klauspost/compress version in go.mod.
//
// Symlink policy: a link whose target is another entry of the same archive
// is stored as a relative symlink entry; any other link is stored as the
// content of the file it points to, so an archive never refers outside
// itself. A dangling link is an error.
//
// Outputs appear atomically: archives and directories are written under a
// temporary name in the destination directory and renamed into place, so an
// interrupted or failed build leaves the previous output untouched.
package archive
