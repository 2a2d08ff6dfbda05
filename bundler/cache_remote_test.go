package bundler

import (
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zisi-build/zisi/internal/s3test"
	"github.com/zisi-build/zisi/internal/testfs"
)

// s3Store is an S3-protocol server on loopback (internal/s3test); fail,
// when set, answers a request instead of the store.
type s3Store struct {
	*s3test.Server
	fail atomic.Pointer[func(http.ResponseWriter, *http.Request) bool]
}

const testBucket = s3test.Bucket

func newS3Store(t *testing.T) *s3Store {
	t.Helper()
	s3test.Env(t)
	s := &s3Store{}
	s.Server = s3test.New(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if f := s.fail.Load(); f != nil && (*f)(w, r) {
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	return s
}

func remoteSite(t *testing.T) string {
	t.Helper()
	site := testfs.Site(t, map[string]string{
		"netlify/functions/hello.js": `exports.handler = async () => ({ statusCode: 200, body: "hi" });`,
		"netlify/functions/lib.js":   `module.exports = { n: 2 };`,
		"netlify/functions/sum.js":   `const { n } = require("./lib"); exports.handler = async () => ({ statusCode: 200, body: String(n + 1) });`,
	})
	settle()
	return site
}

// A machine with an empty local cache restores from a warm shared store
// what another machine built, byte for byte.
func TestRemoteCacheWarm(t *testing.T) {
	store := newS3Store(t)
	site := remoteSite(t)
	dest := filepath.Join(t.TempDir(), "out")
	remote := func(o *Options) { o.RemoteCache = store.URL() }
	first, err := cachedBuild(t, site, dest, t.TempDir(), remote)
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Warnings) != 0 || first.Cache.Misses != 3 || first.Cache.Remote == "" {
		t.Fatalf("first build: %+v, warnings %v", first.Cache, first.Warnings)
	}
	var blobs int
	for _, k := range store.Keys(t) {
		if strings.HasPrefix(k, "v1/blob/") {
			blobs++
		}
	}
	if blobs != 3 {
		t.Fatalf("the store holds %d archives, want 3: %v", blobs, store.Keys(t))
	}
	// A fresh machine: another local cache, empty.
	fresh := t.TempDir()
	warm, err := cachedBuild(t, site, dest, fresh, remote)
	if err != nil {
		t.Fatal(err)
	}
	if warm.Cache.Hits != 3 || warm.Cache.RemoteHits != 3 || len(warm.Warnings) != 0 {
		t.Fatalf("warm remote, empty local cache: %+v, warnings %v", warm.Cache, warm.Warnings)
	}
	cold, err := cachedBuild(t, site, filepath.Join(t.TempDir(), "cold"), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	sameOutput(t, cold, warm, filepath.Dir(cold.Manifest), dest)
	// What it fetched is now local: the next build needs no store.
	requests := store.Requests.Load()
	again, err := cachedBuild(t, site, dest, fresh, remote)
	if err != nil || again.Cache.Hits != 3 || again.Cache.RemoteHits != 0 {
		t.Fatalf("third build: %+v, %v", again.Cache, err)
	}
	if n := store.Requests.Load() - requests; n != 0 {
		t.Errorf("a build with everything local sent %d requests to the store", n)
	}
}

// A store that fails never fails a build, Strict or not: one warning, and
// the build goes on with the local cache.
func TestRemoteCacheFailures(t *testing.T) {
	refused := func(t *testing.T) string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close() // nothing listens there now
		return "s3://" + testBucket + "?endpoint=http://" + addr + "&region=us-east-1&use_path_style=true"
	}
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T) (url string, opts func(*Options))
		want  string
	}{
		{"refused", func(t *testing.T) (string, func(*Options)) {
			s3test.Env(t)
			return refused(t), nil
		}, "refused"},
		{"timeout", func(t *testing.T) (string, func(*Options)) {
			s := newS3Store(t)
			release := make(chan struct{})
			t.Cleanup(func() { close(release) })
			stall := func(w http.ResponseWriter, r *http.Request) bool {
				select {
				case <-release:
				case <-r.Context().Done():
				}
				return true
			}
			s.fail.Store(&stall)
			return s.URL(), func(o *Options) { o.RemoteTimeout = 300 * time.Millisecond }
		}, "deadline"},
		{"500", func(t *testing.T) (string, func(*Options)) {
			s := newS3Store(t)
			err500 := func(w http.ResponseWriter, r *http.Request) bool {
				http.Error(w, "<Error><Code>InternalError</Code></Error>", http.StatusInternalServerError)
				return true
			}
			s.fail.Store(&err500)
			return s.URL(), nil
		}, "500"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url, extra := tc.setup(t)
			site := remoteSite(t)
			dest := filepath.Join(t.TempDir(), "out")
			cacheDir := t.TempDir()
			start := time.Now()
			rep, err := cachedBuild(t, site, dest, cacheDir, func(o *Options) {
				o.RemoteCache, o.Strict = url, true
				if extra != nil {
					extra(o)
				}
			})
			if err != nil {
				t.Fatalf("the build failed: %v", err)
			}
			// Not a timing measurement: proof that a dead store does not
			// hang the build.
			if d := time.Since(start); d > 30*time.Second {
				t.Errorf("the build took %s with a failing store", d)
			}
			var cacheWarnings []string
			for _, w := range rep.Warnings {
				if strings.HasPrefix(w.Message, "build cache:") {
					cacheWarnings = append(cacheWarnings, w.Message)
				}
			}
			if len(cacheWarnings) != 1 || !strings.Contains(strings.ToLower(cacheWarnings[0]), tc.want) || !strings.Contains(cacheWarnings[0], "local cache") {
				t.Errorf("warnings about the store: %q, want one mentioning %q and the local cache", cacheWarnings, tc.want)
			}
			if rep.Cache.Misses != 3 {
				t.Errorf("cache: %+v", rep.Cache)
			}
			// The local cache worked all along.
			rep, err = cachedBuild(t, site, dest, cacheDir, nil)
			if err != nil || rep.Cache.Hits != 3 {
				t.Fatalf("local rebuild: %+v, %v", rep.Cache, err)
			}
		})
	}
}

// Objects damaged in the store are misses with a warning; the build is
// right.
func TestRemoteCacheCorruptObjects(t *testing.T) {
	store := newS3Store(t)
	site := remoteSite(t)
	dest := filepath.Join(t.TempDir(), "out")
	remote := func(o *Options) { o.RemoteCache = store.URL() }
	if _, err := cachedBuild(t, site, dest, t.TempDir(), remote); err != nil {
		t.Fatal(err)
	}
	for i, k := range store.Keys(t) {
		data, _ := store.Object(t, k)
		if i%2 == 0 {
			data = data[:len(data)-1]
		} else {
			data[len(data)-1] ^= 1
		}
		store.Put(t, k, data)
	}
	rep, err := cachedBuild(t, site, dest, t.TempDir(), remote)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Cache.Hits != 0 || rep.Cache.Misses != 3 {
		t.Fatalf("with damaged objects: %+v", rep.Cache)
	}
	if !strings.Contains(warningsText(rep), "ignored, and that function rebuilt") {
		t.Errorf("no warning about the damaged objects:\n%s", warningsText(rep))
	}
	cold, err := cachedBuild(t, site, filepath.Join(t.TempDir(), "cold"), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	sameOutput(t, cold, &Report{Functions: rep.Functions}, filepath.Dir(cold.Manifest), dest)
}
