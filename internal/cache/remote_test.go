package cache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zisi-build/zisi/internal/s3test"

	"gocloud.dev/blob"
	"gocloud.dev/blob/driver"
	"gocloud.dev/gcerrors"
)

// remoteTestBucket is the bucket every fake S3 server holds.
const remoteTestBucket = s3test.Bucket

// fakeS3 is an S3-protocol server on loopback (internal/s3test).
type fakeS3 struct{ *s3test.Server }

func remoteTestEnv(t *testing.T) { s3test.Env(t) }

func newFakeS3(t *testing.T, wrap func(http.Handler) http.Handler) *fakeS3 {
	return &fakeS3{s3test.New(t, wrap)}
}

func s3URL(base string) string { return s3test.URLFor(base) }

func (f *fakeS3) url() string { return f.URL() }

func (f *fakeS3) object(t *testing.T, key string) ([]byte, bool) { return f.Object(t, key) }

// warnings records the messages a Remote warns with.
type warnings struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warnings) warn(msg string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.msgs = append(w.msgs, msg)
}

func (w *warnings) list() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.msgs...)
}

// one fails t unless exactly one warning came, and returns it.
func (w *warnings) one(t *testing.T) string {
	t.Helper()
	msgs := w.list()
	if len(msgs) != 1 {
		t.Fatalf("got %d warnings, want 1: %q", len(msgs), msgs)
	}
	return msgs[0]
}

func openTestRemote(t *testing.T, rawURL string, o RemoteOptions) *Remote {
	t.Helper()
	r, err := OpenRemote(t.Context(), rawURL, o)
	if err != nil {
		t.Fatalf("OpenRemote(%q): %v", rawURL, err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return r
}

func flush(t *testing.T, r *Remote) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := r.Flush(ctx); err != nil {
		t.Fatalf("flush: %v", err)
	}
}

func testKey(i int) string {
	h := fmt.Sprintf("%064x", i*7919+1)
	return "v1/blobs/" + h[:2] + "/" + h
}

func randomBytes(n int, seed uint64) []byte {
	var s [32]byte
	s[0] = byte(seed)
	b := make([]byte, n)
	_, _ = rand.NewChaCha8(s).Read(b) // never fails
	return b
}

func TestRemoteS3RoundTrip(t *testing.T) {
	remoteTestEnv(t)
	f := newFakeS3(t, nil)
	var w warnings
	r := openTestRemote(t, f.url(), RemoteOptions{Warn: w.warn})

	small := Encode([]byte("module.exports = 1\n"))
	big := Encode(randomBytes(8<<20, 1)) // past the transfer manager's 8 MiB part: a multipart upload
	r.Put(testKey(1), small)
	r.Put(testKey(2), big)
	flush(t, r)

	for key, want := range map[string][]byte{testKey(1): small, testKey(2): big} {
		got, err := r.Get(t.Context(), key)
		if err != nil {
			t.Fatalf("get %q: %v", key, err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("get %q: %d bytes, want the %d put", key, len(got), len(want))
		}
		if stored, _ := f.object(t, key); !bytes.Equal(stored, want) {
			t.Fatalf("the server holds %d bytes under %q, want %d", len(stored), key, len(want))
		}
	}

	_, err := r.Get(t.Context(), testKey(3))
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("get absent key: %v, want ErrNotFound", err)
	}
	if r.Disabled() {
		t.Fatal("a miss disabled the remote")
	}
	if got, err := r.Get(t.Context(), testKey(1)); err != nil || !bytes.Equal(got, small) {
		t.Fatalf("get after a miss: %v", err)
	}
	// A caller that gives up gets a miss; the store did nothing wrong.
	canceled, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := r.Get(canceled, testKey(1)); !errors.Is(err, ErrNotFound) || !errors.Is(err, context.Canceled) {
		t.Fatalf("get with a canceled context: %v", err)
	}
	if r.Disabled() {
		t.Fatal("the caller's cancellation disabled the remote")
	}
	if msgs := w.list(); len(msgs) != 0 {
		t.Fatalf("warnings: %q", msgs)
	}
}

func testRemoteRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now

	var w warnings
	r := openTestRemote(t, s3URL("http://"+addr), RemoteOptions{Warn: w.warn, Timeout: 2 * time.Second})
	start := time.Now()
	_, err = r.Get(t.Context(), testKey(1))
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("get: %v, want ErrNotFound", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("get took %v against a refused port", d)
	}
	if !r.Disabled() {
		t.Fatal("not disabled after a refused connection")
	}
	msg := w.one(t)
	for _, want := range []string{addr, "local cache only"} {
		if !strings.Contains(msg, want) {
			t.Errorf("warning %q does not mention %q", msg, want)
		}
	}
	// The SDK retries a refused connection; the Timeout may end it first.
	if !strings.Contains(msg, "connection refused") && !strings.Contains(msg, "deadline exceeded") {
		t.Errorf("warning %q names neither the refusal nor the timeout", msg)
	}
	if strings.Contains(msg, "zisi-test-secret") || strings.Contains(msg, "AKIAZISITEST") {
		t.Errorf("warning %q shows a credential", msg)
	}

	// Something listens there now; the disabled remote must not call it.
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen again on %s: %v", addr, err)
	}
	var hits atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	defer srv.Close()

	for i := range 3 {
		if _, err := r.Get(t.Context(), testKey(i)); !errors.Is(err, ErrNotFound) {
			t.Fatalf("get on a disabled remote: %v", err)
		}
		r.Put(testKey(i), []byte("x"))
	}
	flush(t, r)
	if n := hits.Load(); n != 0 {
		t.Fatalf("the disabled remote sent %d requests", n)
	}
	w.one(t)
}

// TestRemoteFailures runs the cases where the store fails, side by side:
// each waits out a timeout or the SDK's retries.
func TestRemoteFailures(t *testing.T) {
	remoteTestEnv(t)
	for name, test := range map[string]func(*testing.T){
		"refused":          testRemoteRefused,
		"timeout":          testRemoteTimeout,
		"server error":     testRemoteServerError,
		"get server error": testRemoteGetServerError,
		"flush and close":  testRemoteFlushAndClose,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			test(t)
		})
	}
}

// stall holds every request until the client gives up or the test ends.
func stall(release <-chan struct{}) func(http.Handler) http.Handler {
	return func(http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-release:
			}
		})
	}
}

func testRemoteTimeout(t *testing.T) {
	for _, op := range []string{"get", "put"} {
		t.Run(op, func(t *testing.T) {
			t.Parallel()
			release := make(chan struct{})
			f := newFakeS3(t, stall(release))
			t.Cleanup(func() { close(release) }) // runs before the server's Close
			var w warnings
			r := openTestRemote(t, f.url(), RemoteOptions{Warn: w.warn, Timeout: 200 * time.Millisecond})

			start := time.Now()
			switch op {
			case "get":
				if _, err := r.Get(t.Context(), testKey(1)); !errors.Is(err, ErrNotFound) {
					t.Fatalf("get: %v, want ErrNotFound", err)
				}
			case "put":
				r.Put(testKey(1), Encode(randomBytes(64<<10, 2)))
				flush(t, r)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("%s took %v with a 200ms timeout", op, d)
			}
			if !r.Disabled() {
				t.Fatal("not disabled after a timeout")
			}
			msg := w.one(t)
			if !strings.Contains(msg, "deadline exceeded") || !strings.Contains(msg, f.HTTP.URL) {
				t.Errorf("warning %q names neither the timeout nor the store", msg)
			}
			if _, ok := f.object(t, testKey(1)); ok {
				t.Fatal("a timed-out upload left an object")
			}
		})
	}
}

// remoteRetryTimeout outlasts the SDK's three attempts against a failing
// server (backoffs of at most 2s and 4s), so the warning names the 500
// rather than the deadline.
const remoteRetryTimeout = 8 * time.Second

// fail500 answers 500 to the requests whose method is in methods (every
// request when methods is empty) and passes the others to gofakes3.
func fail500(methods ...string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if len(methods) > 0 && !strings.Contains(strings.Join(methods, " "), r.Method) {
				next.ServeHTTP(w, r)
				return
			}
			// Read the body as a server does before it answers, so the
			// client sees the 500 rather than a reset connection.
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>`)
		})
	}
}

func testRemoteServerError(t *testing.T) {
	for _, tc := range []struct {
		name    string
		methods []string
	}{
		{"put only", []string{http.MethodPut, http.MethodPost}},
		{"everything", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeS3(t, fail500(tc.methods...))
			var w warnings
			r := openTestRemote(t, f.url(), RemoteOptions{Warn: w.warn, Timeout: remoteRetryTimeout})

			r.Put(testKey(1), Encode([]byte("a")))
			r.Put(testKey(2), Encode(randomBytes(9<<20, 3))) // multipart
			flush(t, r)
			if !r.Disabled() {
				t.Fatal("not disabled after a 500")
			}
			msg := w.one(t)
			if !strings.Contains(msg, "500") || !strings.Contains(msg, "local cache only") {
				t.Errorf("warning %q: want the status and what happens next", msg)
			}
			for i := 1; i <= 2; i++ {
				if _, ok := f.object(t, testKey(i)); ok {
					t.Fatalf("a failed upload left %q", testKey(i))
				}
			}

			before := f.Requests.Load()
			if _, err := r.Get(t.Context(), testKey(1)); !errors.Is(err, ErrNotFound) {
				t.Fatalf("get on a disabled remote: %v", err)
			}
			r.Put(testKey(3), []byte("x"))
			flush(t, r)
			if n := f.Requests.Load() - before; n != 0 {
				t.Fatalf("the disabled remote sent %d requests", n)
			}
			w.one(t)
		})
	}
}

func testRemoteGetServerError(t *testing.T) {
	f := newFakeS3(t, fail500(http.MethodGet))
	var w warnings
	r := openTestRemote(t, f.url(), RemoteOptions{Warn: w.warn, Timeout: remoteRetryTimeout})
	_, err := r.Get(t.Context(), testKey(1))
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "500") {
		t.Fatalf("get: %v, want ErrNotFound with the cause", err)
	}
	if !r.Disabled() {
		t.Fatal("not disabled after a 500")
	}
	w.one(t)
}

func TestRemoteCorruptObject(t *testing.T) {
	remoteTestEnv(t)
	f := newFakeS3(t, nil)
	var w warnings
	r := openTestRemote(t, f.url(), RemoteOptions{Warn: w.warn})
	record := Encode(randomBytes(4096, 4))

	altered := bytes.Clone(record)
	altered[len(altered)-100] ^= 0x20
	for name, bad := range map[string][]byte{
		"truncated": record[:len(record)-1000],
		"altered":   altered,
		"header":    record[:len(magic)+10],
	} {
		t.Run(name, func(t *testing.T) {
			key := testKey(len(bad))
			r.Put(key, record)
			flush(t, r)
			// Another writer (a broken proxy, a disk fault) changes the
			// object's bytes; the checksum S3 kept from the upload no
			// longer matches them.
			if _, err := f.Backend.PutObject(remoteTestBucket, key, map[string]string{}, bytes.NewReader(bad), int64(len(bad)), nil); err != nil {
				t.Fatal(err)
			}
			got, err := r.Get(t.Context(), key)
			if err != nil {
				t.Fatalf("get: %v", err)
			}
			if !bytes.Equal(got, bad) {
				t.Fatalf("get returned %d bytes, want the %d stored", len(got), len(bad))
			}
			if _, err := Decode(got); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Decode: %v, want ErrCorrupt", err)
			}
		})
	}
	if r.Disabled() {
		t.Fatal("a corrupt record disabled the remote")
	}
	if msgs := w.list(); len(msgs) != 0 {
		t.Fatalf("warnings: %q", msgs)
	}
}

func TestRemoteConcurrent(t *testing.T) {
	remoteTestEnv(t)
	f := newFakeS3(t, nil)
	var w warnings
	r := openTestRemote(t, f.url(), RemoteOptions{Warn: w.warn, Parallel: 3})
	const n = 40
	records := make([][]byte, n)
	for i := range records {
		records[i] = Encode(randomBytes(1000+i*97, uint64(i)))
	}

	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			r.Put(testKey(i), records[i])
			// Any answer is fine while uploads run; a hit must be whole.
			if got, err := r.Get(t.Context(), testKey((i+7)%n)); err == nil {
				if _, err := Decode(got); err != nil {
					t.Errorf("a concurrent get saw a partial record: %v", err)
				}
			} else if !errors.Is(err, ErrNotFound) {
				t.Errorf("get: %v", err)
			}
		})
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := r.Flush(t.Context()); err != nil {
			t.Errorf("flush: %v", err)
		}
	}()
	wg.Wait()
	flush(t, r)

	for i := range n {
		got, err := r.Get(t.Context(), testKey(i))
		if err != nil || !bytes.Equal(got, records[i]) {
			t.Fatalf("get %d after flush: %v (%d bytes)", i, err, len(got))
		}
	}
	if r.Disabled() || len(w.list()) != 0 {
		t.Fatalf("disabled %v, warnings %q", r.Disabled(), w.list())
	}
}

func testRemoteFlushAndClose(t *testing.T) {
	release := make(chan struct{})
	f := newFakeS3(t, stall(release))
	t.Cleanup(func() { close(release) })
	var w warnings
	r := openTestRemote(t, f.url(), RemoteOptions{Warn: w.warn, Timeout: 30 * time.Second})
	r.Put(testKey(1), []byte("x"))

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := r.Flush(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("flush with a canceled context: %v", err)
	}

	// Close aborts the stalled upload, without a warning: the store did
	// nothing wrong.
	done := make(chan error, 1)
	go func() { done <- r.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("close: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("close did not abort the stalled upload")
	}
	if r.Disabled() || len(w.list()) != 0 {
		t.Fatalf("close disabled the remote (%v) or warned: %q", r.Disabled(), w.list())
	}
	if _, err := r.Get(t.Context(), testKey(1)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get after close: %v", err)
	}
}

func TestRemoteFile(t *testing.T) {
	dir := t.TempDir()
	var w warnings
	r := openTestRemote(t, "file://"+filepath.ToSlash(dir), RemoteOptions{Warn: w.warn})
	record := Encode([]byte("payload"))
	r.Put(testKey(1), record)
	flush(t, r)

	got, err := r.Get(t.Context(), testKey(1))
	if err != nil || !bytes.Equal(got, record) {
		t.Fatalf("get: %v (%q)", err, got)
	}
	if onDisk, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(testKey(1)))); err != nil || !bytes.Equal(onDisk, record) {
		t.Fatalf("the record is not at its key's path: %v", err)
	}
	if _, err := r.Get(t.Context(), testKey(2)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get absent key: %v, want ErrNotFound", err)
	}
	if r.Disabled() || len(w.list()) != 0 {
		t.Fatalf("disabled %v, warnings %q", r.Disabled(), w.list())
	}
	// No temporary file is left next to the record.
	entries, err := os.ReadDir(filepath.Dir(filepath.Join(dir, filepath.FromSlash(testKey(1)))))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if name := e.Name(); name != filepath.Base(testKey(1)) && name != filepath.Base(testKey(1))+".attrs" {
			t.Errorf("unexpected file %q beside the record", name)
		}
	}
}

func TestOpenRemoteErrors(t *testing.T) {
	remoteTestEnv(t)
	// No Google or Azure credentials either.
	for _, k := range []string{"GOOGLE_APPLICATION_CREDENTIALS", "STORAGE_EMULATOR_HOST", "STORAGE_EMULATOR_HOST_GRPC", "AZURE_STORAGE_ACCOUNT", "AZURE_STORAGE_KEY", "AZURE_STORAGE_SAS_TOKEN", "AZURE_STORAGE_CONNECTION_STRING", "AZURE_STORAGEBLOB_CONNECTIONSTRING"} {
		t.Setenv(k, "")
	}
	t.Setenv("CLOUDSDK_CONFIG", t.TempDir())
	for _, tc := range []struct {
		url  string
		want []string
	}{
		{"ftp://cache.example/zisi", []string{`"ftp://cache.example/zisi"`, `unsupported scheme "ftp"`, "s3://BUCKET", "gs://BUCKET", "azblob://CONTAINER", "file:///"}},
		{"my-bucket/zisi", []string{`"my-bucket/zisi"`, "no scheme", "s3://BUCKET"}},
		{"s3://", []string{`"s3://"`, "no bucket or container name", "s3://BUCKET"}},
		{"s3:my-bucket", []string{`"s3:my-bucket"`, "missing //", "s3://"}},
		{"s3://bu cket%zz", []string{`"s3://bu cket%zz"`, "malformed URL", "s3://BUCKET"}},
		{"file://", []string{`"file://"`, "no folder", "file:///ABSOLUTE/PATH"}},
		{"s3://my-bucket?region=us-east-1&colour=blue", []string{"s3://my-bucket", `unknown query parameter "colour"`, "query parameters"}},
		{"file://" + filepath.ToSlash(filepath.Join(t.TempDir(), "absent")), []string{"absent", "create_dir=true"}},
		{"gs://zisi-cache", []string{"gs://zisi-cache", "no Google Cloud credentials", "GOOGLE_APPLICATION_CREDENTIALS"}},
		{"azblob://zisi-cache", []string{"azblob://zisi-cache", "AZURE_STORAGE_ACCOUNT"}},
	} {
		t.Run(tc.url, func(t *testing.T) {
			r, err := OpenRemote(t.Context(), tc.url, RemoteOptions{})
			if err == nil {
				r.Close()
				t.Fatalf("OpenRemote(%q) opened", tc.url)
			}
			t.Log(err)
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
		})
	}
}

func TestRemoteStringHidesCredentials(t *testing.T) {
	remoteTestEnv(t)
	r := openTestRemote(t, "s3://AKIAUSER:top-secret@zisi-cache?region=us-east-1&endpoint=http://proxyuser:proxy-pass@127.0.0.1:9&use_path_style=true", RemoteOptions{})
	const want = "s3://zisi-cache?region=us-east-1&endpoint=http://127.0.0.1:9&use_path_style=true"
	if got := r.String(); got != want {
		t.Fatalf("String() = %q, want %q", got, want)
	}

	_, err := OpenRemote(t.Context(), "s3://AKIAUSER:top-secret@zisi-cache?region=us-east-1&endpoint=http://u:proxy-pass@127.0.0.1:9&sig=abc123", RemoteOptions{})
	if err == nil {
		t.Fatal("opened a URL with an unknown parameter")
	}
	for _, secret := range []string{"top-secret", "proxy-pass", "abc123"} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error %q shows %q", err, secret)
		}
	}
}

// failingStore is a blob driver whose writers take a few bytes and then
// fail, as a disk that fills up does; a writer commits on Close unless
// its context is done, as fileblob's renames its temporary file.
type failingStore struct {
	driver.Bucket // only what the test calls is implemented

	mu        sync.Mutex
	committed []string
	aborted   int
}

func (s *failingStore) NewTypedWriter(ctx context.Context, key, _ string, _ *driver.WriterOptions) (driver.Writer, error) {
	return &failingWriter{ctx: ctx, store: s, key: key}, nil
}

func (s *failingStore) ErrorCode(error) gcerrors.ErrorCode { return gcerrors.Unknown }

func (s *failingStore) Close() error { return nil }

type failingWriter struct {
	ctx   context.Context
	store *failingStore
	key   string
}

func (w *failingWriter) Write(p []byte) (int, error) {
	return min(len(p), 10), errors.New("no space left on device")
}

func (w *failingWriter) Close() error {
	w.store.mu.Lock()
	defer w.store.mu.Unlock()
	if err := w.ctx.Err(); err != nil {
		w.store.aborted++
		return err
	}
	w.store.committed = append(w.store.committed, w.key)
	return nil
}

func TestRemoteAbortsFailedWrite(t *testing.T) {
	store := &failingStore{}
	var w warnings
	r := newRemote(blob.NewBucket(store), "test://failing", RemoteOptions{Warn: w.warn})
	defer r.Close()
	r.Put(testKey(1), Encode([]byte("a record longer than ten bytes")))
	flush(t, r)

	store.mu.Lock()
	defer store.mu.Unlock()
	if len(store.committed) != 0 || store.aborted != 1 {
		t.Fatalf("committed %q, aborted %d: a failed write must be aborted, not closed", store.committed, store.aborted)
	}
	if msg := w.one(t); !strings.Contains(msg, "no space left on device") {
		t.Fatalf("warning %q does not give the cause", msg)
	}
}
