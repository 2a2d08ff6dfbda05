// Package s3test runs an S3-protocol server on loopback for tests:
// gofakes3 with an in-memory backend behind an httptest server, reached
// through the real S3 client (gocloud.dev's s3blob driver).
package s3test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// Bucket is the bucket every server holds.
const Bucket = "zisi-cache"

// Server is a fake S3 server holding an empty Bucket.
type Server struct {
	Backend *s3mem.Backend
	HTTP    *httptest.Server
	// Requests counts the requests that reached the server.
	Requests atomic.Int64
}

// Env gives the AWS SDK static credentials and nothing else from this
// machine: no shared config or credentials files, no profile, no
// instance metadata; one attempt per request (the SDK's retries are its
// own business), which keeps failure tests short.
func Env(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID":           "AKIAZISITEST",
		"AWS_SECRET_ACCESS_KEY":       "zisi-test-secret",
		"AWS_SESSION_TOKEN":           "",
		"AWS_PROFILE":                 "",
		"AWS_DEFAULT_PROFILE":         "",
		"AWS_REGION":                  "",
		"AWS_DEFAULT_REGION":          "",
		"AWS_ENDPOINT_URL":            "",
		"AWS_ENDPOINT_URL_S3":         "",
		"AWS_CONFIG_FILE":             filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_MAX_ATTEMPTS":            "1",
	} {
		t.Setenv(k, v)
	}
}

// New starts a server on 127.0.0.1 (call Env first); wrap, when set,
// wraps gofakes3's handler (to fail or stall requests).
func New(t *testing.T, wrap func(http.Handler) http.Handler) *Server {
	t.Helper()
	s := &Server{Backend: s3mem.New()}
	if err := s.Backend.CreateBucket(Bucket); err != nil {
		t.Fatal(err)
	}
	h := gofakes3.New(s.Backend).Server()
	if wrap != nil {
		h = wrap(h)
	}
	s.HTTP = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.Requests.Add(1)
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(s.HTTP.Close)
	return s
}

// URLFor is the URL that opens Bucket on an S3-protocol server at base
// (an http://host:port address).
func URLFor(base string) string {
	return "s3://" + Bucket + "?endpoint=" + base + "&region=us-east-1&use_path_style=true"
}

// URL opens the server's Bucket.
func (s *Server) URL() string { return URLFor(s.HTTP.URL) }

// Object returns what the backend holds under key, straight from memory.
func (s *Server) Object(t *testing.T, key string) ([]byte, bool) {
	t.Helper()
	obj, err := s.Backend.GetObject(Bucket, key, nil)
	if gofakes3.HasErrorCode(err, gofakes3.ErrNoSuchKey) {
		return nil, false
	}
	if err != nil {
		t.Fatalf("backend get %q: %v", key, err)
	}
	defer obj.Contents.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(obj.Contents); err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), true
}

// Put replaces what the backend holds under key, bypassing the protocol
// (to damage an object).
func (s *Server) Put(t *testing.T, key string, data []byte) {
	t.Helper()
	if _, err := s.Backend.PutObject(Bucket, key, map[string]string{}, bytes.NewReader(data), int64(len(data)), nil); err != nil {
		t.Fatal(err)
	}
}

// Keys lists the keys the backend holds.
func (s *Server) Keys(t *testing.T) []string {
	t.Helper()
	list, err := s.Backend.ListBucket(Bucket, &gofakes3.Prefix{}, gofakes3.ListBucketPage{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, o := range list.Contents {
		out = append(out, o.Key)
	}
	return out
}
