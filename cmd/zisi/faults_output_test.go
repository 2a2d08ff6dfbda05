package main

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"hash/crc32"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zisi-build/zisi/internal/testfs"
)

// The fault matrix, part two: the destination, the manifest path, builds
// that meet in one destination, signals, prebuilt archives and the
// command line itself.

func destinationFaults() []fault {
	return []fault{
		{name: "destination is a file",
			files:  map[string]string{"site/dest-file": "not a folder"},
			args:   []string{"-q", "SITE/fns", "SITE/dest-file"},
			code:   1,
			stderr: []string{`zisi: invalid options: destination "SITE/dest-file" is a file, not a folder; choose another destination or remove it`},
			check: func(t *testing.T, e *faultEnv, r runResult) {
				if data, _ := os.ReadFile(filepath.Join(e.site, "dest-file")); string(data) != "not a folder" {
					t.Errorf("the file became %q", data)
				}
			}},
		{name: "destination below a file",
			files:  map[string]string{"site/dest-file": "not a folder"},
			args:   []string{"-q", "SITE/fns", "SITE/dest-file/sub"},
			code:   1,
			stderr: []string{`zisi: create destination "SITE/dest-file/sub": mkdir SITE/dest-file: not a directory; choose a destination you can write to`}},
		{name: "destination not writable",
			args:   []string{"-q", "SITE/fns", "/proc/zisi-out"},
			code:   1,
			stderr: []string{`zisi: create destination "/proc/zisi-out"`, "choose a destination you can write to"}},
		{name: "destination inside a source folder",
			args:   []string{"-q", "SITE/fns", "SITE/fns/out"},
			code:   1,
			stderr: []string{`zisi: invalid options: destination "SITE/fns/out" is inside source folder "SITE/fns"; choose a destination outside it`},
			check: func(t *testing.T, e *faultEnv, r runResult) {
				if _, err := os.Stat(filepath.Join(e.site, "fns/out")); err == nil {
					t.Error("the destination was created")
				}
			}},
		{name: "destination is a symlink into a source folder",
			files: map[string]string{"site/fns/sub/keep.js": "// a source file\n"},
			setup: func(t *testing.T, e *faultEnv) {
				symlink(t, filepath.Join(e.site, "fns/sub"), filepath.Join(e.site, "dist"))
			},
			args:   []string{"-q", "--archive-format", "none", "SITE/fns", "SITE/dist"},
			code:   1,
			stderr: []string{`zisi: invalid options: destination "SITE/dist" is inside source folder "SITE/fns"; choose a destination outside it`},
			check: func(t *testing.T, e *faultEnv, r runResult) {
				entries, _ := os.ReadDir(filepath.Join(e.site, "fns/sub"))
				if len(entries) != 1 {
					t.Errorf("the source folder holds %v", entries)
				}
				if data, _ := os.ReadFile(filepath.Join(e.site, "fns/sub/keep.js")); string(data) != "// a source file\n" {
					t.Errorf("a source file became %q", data)
				}
			}},
		{name: "destination is a symlink to a folder outside the sources",
			setup: func(t *testing.T, e *faultEnv) { symlink(t, e.out, filepath.Join(e.root, "out-link")) },
			args:  []string{"-q", "SITE/fns", "ROOT/out-link"},
			dest:  "ROOT/out-link",
			code:  0,
			built: []string{"ok.zip"}},
		{name: "manifest inside a source folder",
			args:   []string{"-q", "--manifest", "SITE/fns/manifest.json", "SITE/fns", "OUT"},
			code:   1,
			stderr: []string{`zisi: invalid options: manifest "SITE/fns/manifest.json" is inside source folder "SITE/fns"; write it elsewhere`},
			check: func(t *testing.T, e *faultEnv, r runResult) {
				if _, err := os.Stat(filepath.Join(e.site, "fns/manifest.json")); err == nil {
					t.Error("the manifest was written into the source folder")
				}
			}},
		{name: "manifest over a source file",
			args:   []string{"-q", "--manifest", "SITE/fns/ok.js", "SITE/fns", "OUT"},
			code:   1,
			stderr: []string{`zisi: invalid options: manifest "SITE/fns/ok.js" is inside source folder "SITE/fns"; write it elsewhere`},
			check: func(t *testing.T, e *faultEnv, r runResult) {
				if data, _ := os.ReadFile(filepath.Join(e.site, "fns/ok.js")); string(data) != okJS {
					t.Errorf("the source file became %q", data)
				}
			}},
		{name: "manifest through a symlink into a source folder",
			setup: func(t *testing.T, e *faultEnv) {
				symlink(t, filepath.Join(e.site, "fns"), filepath.Join(e.root, "m-link"))
			},
			args:   []string{"-q", "--manifest", "ROOT/m-link/manifest.json", "SITE/fns", "OUT"},
			code:   1,
			stderr: []string{`zisi: invalid options: manifest "ROOT/m-link/manifest.json" is inside source folder "SITE/fns"; write it elsewhere`}},
		{name: "manifest over a function's output",
			args:   []string{"-q", "--manifest", "OUT/ok.zip", "SITE/fns", "OUT"},
			code:   1,
			stderr: []string{`zisi: invalid options: manifest "OUT/ok.zip" is where function output "ok.zip" goes; write the manifest elsewhere or rename the function`}},
		{name: "manifest outside the destination",
			args:     []string{"-q", "--manifest", "ROOT/meta/manifest.json", "SITE/fns", "OUT"},
			manifest: "ROOT/meta/manifest.json",
			code:     0,
			built:    []string{"ok.zip"}},
	}
}

// holdLock takes the destination's lock from the test process, as
// another build would.
func holdLock(t *testing.T, e *faultEnv) {
	t.Helper()
	f, err := os.Open(e.out)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	e.release = func() { f.Close() }
	t.Cleanup(e.release)
}

// leftovers is what builds killed in the middle leave in a destination.
var leftovers = map[string]string{
	".zisi-staging-123/ok.zip":  strings.Repeat("x", 1<<20),
	".zisi-staging-123/new.zip": "half",
	".old.zip.tmp-456":          "half",
	".manifest.json.tmp-789":    "half",
	"keep.txt":                  "mine",
}

// interruptBuild sends sig once the build has staged a few archives.
func interruptBuild(sig os.Signal) func(t *testing.T, e *faultEnv, p *proc) {
	return func(t *testing.T, e *faultEnv, p *proc) {
		p.await(t, "staged archives", func() bool { return staged(e.out) >= 2 })
		p.cmd.Process.Signal(sig)
	}
}

// siteFiles prefixes site-relative paths with "site/".
func siteFiles(files map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range files {
		out["site/"+k] = v
	}
	return out
}

func concurrencyFaults() []fault {
	return []fault{
		{name: "--no-wait while another build holds the destination",
			setup:  holdLock,
			args:   []string{"-q", "--no-wait", "SITE/fns", "OUT"},
			code:   1,
			stderr: []string{`zisi: destination busy: another zisi build is writing "OUT"; wait for it to finish, or build into another folder`}},
		{name: "waiting while another build holds the destination",
			setup: holdLock,
			during: func(t *testing.T, e *faultEnv, p *proc) {
				p.await(t, "the waiting message", func() bool {
					return strings.Contains(p.stderr.String(), "waiting for another zisi build writing "+e.out+" to finish")
				})
				if got := deployHashes(t, e.out); !maps.Equal(got, hashesOf(t, previousDeploy)) {
					t.Errorf("the deploy changed while waiting: %v", got)
				}
				e.release()
			},
			code:  0,
			built: []string{"ok.zip"}},
		{name: "--no-wait while a real build is running",
			files: siteFiles(stressFiles(120)),
			args:  []string{"-q", "--parallel", "1", "SITE/fns", "OUT"},
			during: func(t *testing.T, e *faultEnv, p *proc) {
				p.await(t, "a staged archive", func() bool { return staged(e.out) >= 1 })
				second := startZisi(t, e.root, nil, "build", "-q", "--no-wait", filepath.Join(e.site, "fns"), e.out).wait(t, time.Minute)
				if second.code != 1 || !strings.Contains(second.stderr, `another zisi build is writing "`+e.out+`"`) {
					t.Errorf("second build: exit %d\n%s", second.code, second.stderr)
				}
				if got := deployHashes(t, e.out); !maps.Equal(got, hashesOf(t, previousDeploy)) {
					t.Errorf("the deploy changed while the first build ran: %v", got)
				}
			},
			code:  0,
			built: []string{"ok.zip", "f000.zip", "d001.zip", "m002.zip", "t003.zip"}},
		{name: "leftovers of killed builds are removed",
			setup: func(t *testing.T, e *faultEnv) { testfs.Write(t, e.out, leftovers) },
			code:  0,
			built: []string{"ok.zip"}},
		{name: "leftovers of killed builds are removed by a failing build",
			files:  map[string]string{"site/fns/syn.js": "exports.handler = {{\n"},
			setup:  func(t *testing.T, e *faultEnv) { testfs.Write(t, e.out, leftovers) },
			code:   1,
			stderr: []string{`function "syn" (js, zisi): syntax error: SITE/fns/syn.js:1:`}},
		{name: "SIGTERM in the middle of a build",
			files:  siteFiles(stressFiles(60)),
			args:   []string{"-q", "--parallel", "1", "SITE/fns", "OUT"},
			during: interruptBuild(syscall.SIGTERM),
			code:   1,
			stderr: []string{"context canceled"}},
		{name: "SIGINT in the middle of a build",
			files:  siteFiles(stressFiles(60)),
			args:   []string{"-q", "--parallel", "1", "SITE/fns", "OUT"},
			during: interruptBuild(os.Interrupt),
			code:   1,
			stderr: []string{"context canceled"}},
	}
}

// hashesOf hashes files as outputHashes would find them.
func hashesOf(t *testing.T, files map[string]string) map[string]string {
	t.Helper()
	return outputHashes(t, testfs.Site(t, files))
}

// zent is one entry of a crafted archive; every header field may lie.
type zent struct {
	name, data string
	mode       fs.FileMode // 0: a regular file
	method     uint16      // with raw: stored as is
	raw        bool        // store data without compressing it
	flags      uint16
	crc        *uint32
	size       *uint64
}

func u32(v uint32) *uint32 { return &v }
func u64(v uint64) *uint64 { return &v }

// craftZip writes entries as they are, however wrong.
func craftZip(entries ...zent) string {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		data, method := []byte(e.data), e.method
		if !e.raw {
			var c bytes.Buffer
			fw, _ := flate.NewWriter(&c, flate.BestCompression)
			fw.Write(data)
			fw.Close()
			data, method = c.Bytes(), zip.Deflate
		}
		h := &zip.FileHeader{Name: e.name, Method: method, Flags: e.flags,
			CRC32: crc32.ChecksumIEEE([]byte(e.data)), CompressedSize64: uint64(len(data)), UncompressedSize64: uint64(len(e.data))}
		if e.crc != nil {
			h.CRC32 = *e.crc
		}
		if e.size != nil {
			h.UncompressedSize64 = *e.size
		}
		if e.mode != 0 {
			h.SetMode(e.mode)
		}
		w, err := zw.CreateRaw(h)
		if err != nil {
			panic(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.String()
}

var zipOK = zent{name: "index.js", data: okJS}

// prebuiltFault is a crafted fns/NAME.zip that must be refused.
func prebuiltFault(title, name, archive, want string) fault {
	return fault{name: "prebuilt zip: " + title,
		files:  map[string]string{"site/fns/" + name + ".zip": archive},
		code:   1,
		stderr: []string{`function "` + name + `" (js): invalid prebuilt zip "SITE/fns/` + name + `.zip": ` + want},
		absent: []string{name + ".zip"}}
}

const rebuildIt = "; rebuild the archive (zisi builds a function folder itself)"

func prebuiltFaults() []fault {
	return []fault{
		prebuiltFault("parent segments", "trav", craftZip(zipOK, zent{name: "../../x", data: "x"}),
			`entry "../../x" has a name that would land outside the function (invalid archive entry name "../../x": contains a dot segment)`+rebuildIt),
		prebuiltFault("absolute name", "abs", craftZip(zipOK, zent{name: "/etc/cron.d/x", data: "x"}),
			`entry "/etc/cron.d/x" has a name that would land outside the function (invalid archive entry name "/etc/cron.d/x": absolute)`+rebuildIt),
		prebuiltFault("backslash", "bs", craftZip(zipOK, zent{name: `..\..\x`, data: "x"}),
			`entry "..\\..\\x" has a name that would land outside the function (invalid archive entry name "..\\..\\x": contains a backslash)`+rebuildIt),
		prebuiltFault("drive letter", "drive", craftZip(zipOK, zent{name: "C:/x", data: "x"}),
			`entry "C:/x" has a name that would land outside the function`),
		prebuiltFault("symlink entry to /etc/shadow", "shadow", craftZip(zipOK, zent{name: "shadow", data: "/etc/shadow", mode: fs.ModeSymlink | 0o777}),
			`entry "shadow" is a symbolic link to "/etc/shadow", outside the archive`+rebuildIt),
		prebuiltFault("symlink entry climbing out", "climb", craftZip(zipOK, zent{name: "lib/up", data: "../../etc/passwd", mode: fs.ModeSymlink | 0o777}),
			`entry "lib/up" is a symbolic link to "../../etc/passwd", outside the archive`),
		prebuiltFault("duplicate entry", "dup", craftZip(zipOK, zipOK), `entry "index.js" appears twice`+rebuildIt),
		prebuiltFault("encrypted entry", "enc", craftZip(zipOK, zent{name: "s.js", data: "x", flags: 0x1}), `entry "s.js" is encrypted`+rebuildIt),
		prebuiltFault("unsupported method", "method", craftZip(zipOK, zent{name: "b.js", data: "x", raw: true, method: 12}), `entry "b.js"`),
		prebuiltFault("bad CRC", "crc", craftZip(zipOK, zent{name: "b.js", data: "hello", crc: u32(1)}), `entry "b.js" is corrupt (its CRC does not match)`+rebuildIt),
		prebuiltFault("size smaller than the data", "small", craftZip(zipOK, zent{name: "b.js", data: "hello world", size: u64(3)}), `entry "b.js" is corrupt`),
		prebuiltFault("size that wraps int64", "wrap", craftZip(zipOK, zent{name: "b.js", data: "hi", size: u64(1<<63 + 5)}), `entry "b.js" is corrupt`),
		prebuiltFault("not a zip", "garbage", "not a zip at all", `zip: not a valid zip file; replace it with a valid zip archive`),
		{name: "prebuilt zip: zip bomb over unzipped_size_limit",
			files:  map[string]string{"site/netlify.toml": "[functions]\nunzipped_size_limit = 1\n", "site/fns/bomb.zip": craftZip(zipOK, zent{name: "zeros", data: strings.Repeat("\x00", 8<<20)})},
			args:   []string{"-q", "--config", "SITE/netlify.toml", "SITE/fns", "OUT"},
			code:   1,
			stderr: []string{`function "bomb" (js): archive "SITE/fns/bomb.zip" would hold 8.0 MiB unzipped, over the 1.0 MiB limit; largest files: zeros (8.0 MiB)`, "raise unzipped_size_limit in netlify.toml"},
			absent: []string{"bomb.zip"}},
		{name: "prebuilt zip: zip bomb whose header claims a small size",
			files:  map[string]string{"site/netlify.toml": "[functions]\nunzipped_size_limit = 1\n", "site/fns/liar.zip": craftZip(zipOK, zent{name: "zeros", data: strings.Repeat("\x00", 8<<20), size: u64(100)})},
			args:   []string{"-q", "--config", "SITE/netlify.toml", "SITE/fns", "OUT"},
			code:   1,
			stderr: []string{`function "liar" (js): `, `"SITE/fns/liar.zip"`},
			absent: []string{"liar.zip"}},
		{name: "prebuilt zip: a sound archive is copied as it is",
			files: map[string]string{"site/fns/good.zip": craftZip(zipOK, zent{name: "lib/", raw: true, mode: fs.ModeDir | 0o755}, zent{name: "lib/a.js", data: "1"}, zent{name: "lib/b.js", data: "a.js", raw: true, mode: fs.ModeSymlink | 0o777})},
			code:  0,
			built: []string{"good.zip", "ok.zip"},
			check: func(t *testing.T, e *faultEnv, r runResult) {
				src, _ := os.ReadFile(filepath.Join(e.site, "fns/good.zip"))
				if got, _ := os.ReadFile(filepath.Join(e.out, "good.zip")); !bytes.Equal(got, src) {
					t.Error("good.zip is not the prebuilt archive byte for byte")
				}
			}},
	}
}

// usageFaults are mistakes in the command line: exit 2, nothing touched.
func usageFaults() []fault {
	return []fault{
		{name: "usage: unknown archive format",
			args:   []string{"-q", "--archive-format", "tar", "SITE/fns", "OUT"},
			code:   2,
			stderr: []string{`zisi: --archive-format must be zip or none, got "tar"`, "Run 'zisi help build' for usage."}},
		{name: "usage: --parallel 0",
			args:   []string{"-q", "--parallel", "0", "SITE/fns", "OUT"},
			code:   2,
			stderr: []string{`zisi: --parallel must be a whole number of at least 1, got "0"`}},
		{name: "usage: no destination",
			args:   []string{"-q"},
			code:   2,
			stderr: []string{"zisi: build needs a destination folder: zisi build [SRC_DIR...] DEST_DIR"}},
		{name: "usage: unknown flag",
			args:   []string{"--bogus", "SITE/fns", "OUT"},
			code:   2,
			stderr: []string{"zisi: flag provided but not defined: -bogus"}},
	}
}
