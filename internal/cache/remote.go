package cache

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
	"gocloud.dev/gcp"
	"golang.org/x/oauth2/google"

	// The four stores a shared cache can live in; each reads its
	// credentials from that store's usual environment.
	_ "gocloud.dev/blob/azureblob"
	_ "gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/gcsblob"
	_ "gocloud.dev/blob/s3blob"
)

// ErrNotFound is returned by Remote.Get when the key is not in the store,
// or when the remote is disabled. Every error Get returns wraps it, so a
// caller treats any error as a miss.
var ErrNotFound = errors.New("not in the remote cache")

// Defaults for the zero RemoteOptions fields.
const (
	defaultRemoteTimeout  = 10 * time.Second
	defaultRemoteParallel = 4
)

// remoteSchemes are the URL schemes OpenRemote accepts, in the order the
// error for another scheme lists them.
var remoteSchemes = []string{"s3", "gs", "azblob", "file"}

// RemoteOptions tune a Remote. The zero value is ready to use.
type RemoteOptions struct {
	// Timeout bounds each request (default 10s when zero).
	Timeout time.Duration
	// Warn, when set, is called at most once: when the store first fails
	// (refused, timed out, a 5xx, denied). After that the Remote is
	// disabled: Get returns ErrNotFound at once and Put drops data, so a
	// build degrades to local work. It may be called from an upload's
	// goroutine.
	Warn func(msg string)
	// Parallel bounds uploads in flight (default 4).
	Parallel int
}

// Remote is a shared cache in a blob store (S3, Google Cloud Storage,
// Azure Blob Storage or a folder), read through and written behind. It
// holds the records Encode makes; it does not check them (Decode does).
// Its methods are safe for concurrent use. The first failure of the
// store turns it off for the rest of the run, with one warning, so a
// slow or broken store costs a build one Timeout at most per request
// already started, never a failure.
type Remote struct {
	bucket   *blob.Bucket
	name     string
	timeout  time.Duration
	parallel int
	warn     func(string)

	disabled atomic.Bool
	closed   atomic.Bool
	warnOnce sync.Once

	// base is the parent of every upload's context; Close cancels it,
	// which aborts the uploads still running.
	base   context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	queue   []remoteUpload
	workers int           // upload goroutines running
	pending int           // uploads queued or in flight
	idle    chan struct{} // closed while pending is 0
}

// remoteUpload is one queued Put.
type remoteUpload struct {
	key  string
	data []byte
}

// remoteDefaultParams are the driver query parameters OpenRemote sets
// when the URL does not.
var remoteDefaultParams = map[string]map[string]string{
	// Publish a record by a rename inside the folder: os.TempDir may be
	// on another file system, where the rename fails.
	"file": {"no_tmp_dir": "true"},
	// Records carry their own SHA-256, which Decode checks. The SDK's
	// own check of a response's checksum would refuse (as a store
	// failure, which turns the remote off) an object whose stored
	// checksum no longer matches it, and it prints a warning to stderr
	// for each object stored without one (by another client, or a
	// store that keeps none).
	"s3": {"response_checksum_validation": "when_required"},
}

// OpenRemote opens the blob store at rawURL: s3://BUCKET, gs://BUCKET,
// azblob://CONTAINER or file:///ABSOLUTE/PATH, with the query parameters
// of gocloud.dev's drivers (for example
// s3://bucket?region=eu-west-1&endpoint=https://minio.example:9000&use_path_style=true).
// Credentials come from each store's usual environment: AWS_* variables
// and the shared AWS config for S3, Application Default Credentials for
// Google Cloud Storage, AZURE_STORAGE_* variables for Azure. Unless the
// URL says otherwise, a file:// store writes its temporary files next to
// their final place (no_tmp_dir=true) and an s3:// store leaves the
// checking of what it reads to Decode
// (response_checksum_validation=when_required); see remoteDefaultParams.
//
// ctx bounds the opening only: uploads outlive it and stop at Close.
// OpenRemote fails for a malformed URL, another scheme, or a store whose
// driver cannot be set up (no Google credentials, no Azure account, a
// missing folder, a query parameter the driver does not know). It sends
// no request to the store, so a store that is down, a wrong region or
// refused credentials are found by the first Get or Put (one warning).
func OpenRemote(ctx context.Context, rawURL string, o RemoteOptions) (*Remote, error) {
	u, err := parseRemoteURL(rawURL)
	if err != nil {
		return nil, err
	}
	name := redactRemoteURL(u)
	// The drivers ignore user information; dropping it keeps it out of
	// their error texts.
	u.User = nil
	for param, value := range remoteDefaultParams[u.Scheme] {
		if q := u.Query(); !q.Has(param) {
			q.Set(param, value)
			u.RawQuery = q.Encode()
		}
	}
	if u.Scheme == "gs" {
		if err := checkGoogleCredentials(ctx, u); err != nil {
			return nil, fmt.Errorf("open remote cache %q: no Google Cloud credentials: %w (%s)", name, err, remoteOpenHints["gs"])
		}
	}
	bucket, err := blob.OpenBucket(ctx, u.String())
	if err != nil {
		// The driver's error repeats the URL; show it as String does.
		err = scrubbed{err: err, url: u.String(), name: name}
		return nil, fmt.Errorf("open remote cache %q: %w (%s)", name, err, remoteOpenHints[u.Scheme])
	}
	return newRemote(bucket, name, o), nil
}

// newRemote wraps an open bucket; name is what String returns.
func newRemote(bucket *blob.Bucket, name string, o RemoteOptions) *Remote {
	r := &Remote{
		bucket:   bucket,
		name:     name,
		timeout:  o.Timeout,
		parallel: o.Parallel,
		warn:     o.Warn,
		idle:     make(chan struct{}),
	}
	if r.timeout <= 0 {
		r.timeout = defaultRemoteTimeout
	}
	if r.parallel <= 0 {
		r.parallel = defaultRemoteParallel
	}
	close(r.idle)
	r.base, r.cancel = context.WithCancel(context.Background())
	return r
}

// remoteOpenHints say, per scheme, what to check when a store does not
// open.
var remoteOpenHints = map[string]string{
	"s3":     "check the URL's query parameters; the region and credentials come from AWS_REGION, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE or ~/.aws/config, or add ?region=REGION",
	"gs":     "set GOOGLE_APPLICATION_CREDENTIALS to a service account key file or run gcloud auth application-default login",
	"azblob": "set AZURE_STORAGE_ACCOUNT, with AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN, or set AZURE_STORAGE_CONNECTION_STRING; check the URL's query parameters",
	"file":   "create the folder first, or add ?create_dir=true; check the URL's query parameters",
}

// checkGoogleCredentials looks for Google Cloud's Application Default
// Credentials as gcsblob does, and skips the look when gcsblob would (a
// storage emulator). gcsblob, when it finds none, prints a warning to
// stdout, where zisi writes its report, and then fails every request with
// an unrelated key-parsing error; looking first makes that an OpenRemote
// error that says what to do.
func checkGoogleCredentials(ctx context.Context, u *url.URL) error {
	if os.Getenv("STORAGE_EMULATOR_HOST") != "" || os.Getenv("STORAGE_EMULATOR_HOST_GRPC") != "" {
		return nil
	}
	var err error
	if ud := u.Query().Get("universe_domain"); ud != "" {
		_, err = gcp.DefaultCredentialsWithParams(ctx, google.CredentialsParams{UniverseDomain: ud})
	} else {
		_, err = gcp.DefaultCredentials(ctx)
	}
	return err
}

// parseRemoteURL checks what OpenRemote can check before a driver sees
// the URL, so that each mistake gets an error that says what to write.
func parseRemoteURL(rawURL string) (*url.URL, error) {
	supported := "s3://BUCKET, gs://BUCKET, azblob://CONTAINER or file:///ABSOLUTE/PATH"
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Error repeats the URL; name it once, without credentials.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("open remote cache %q: malformed URL: %v (write %s)", redactRawURL(rawURL), err, supported)
	}
	name := redactRawURL(rawURL)
	switch {
	case u.Scheme == "":
		return nil, fmt.Errorf("open remote cache %q: the URL has no scheme (write %s)", name, supported)
	case !slices.Contains(remoteSchemes, u.Scheme):
		return nil, fmt.Errorf("open remote cache %q: unsupported scheme %q (zisi supports %s)", name, u.Scheme, supported)
	case u.Opaque != "":
		return nil, fmt.Errorf("open remote cache %q: missing // after %s: (write %s://...)", name, u.Scheme, u.Scheme)
	case u.Scheme != "file" && u.Host == "":
		return nil, fmt.Errorf("open remote cache %q: no bucket or container name after %s:// (write %s)", name, u.Scheme, supported)
	case u.Scheme == "file" && u.Path == "":
		return nil, fmt.Errorf("open remote cache %q: no folder after file:// (write file:///ABSOLUTE/PATH)", name)
	}
	return u, nil
}

// Get returns the record stored under key. It returns an error wrapping
// ErrNotFound when the key is absent or the remote is disabled, and never
// takes longer than the Timeout. Any other failure of the store disables
// the remote (with the one warning) and returns ErrNotFound wrapped with
// the cause, so callers treat every error as a miss. A ctx canceled by
// the caller is a miss too, but does not disable the remote.
func (r *Remote) Get(ctx context.Context, key string) ([]byte, error) {
	if r.disabled.Load() || r.closed.Load() {
		return nil, fmt.Errorf("get %q from remote cache %q: %w (the remote cache is off)", key, r.name, ErrNotFound)
	}
	rctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	data, err := r.bucket.ReadAll(rctx, key)
	if err == nil {
		return data, nil
	}
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil, fmt.Errorf("get %q from remote cache %q: %w", key, r.name, ErrNotFound)
	}
	if ctx.Err() == nil {
		r.fail("read", key, err)
	}
	return nil, fmt.Errorf("get %q from remote cache %q: %w: %w", key, r.name, ErrNotFound, scrubbed{err: err})
}

// Put queues data under key and returns at once (write-behind). At most
// Parallel uploads are in flight, each bounded by the Timeout; a failure
// disables the remote with the one warning. Put keeps data until its
// upload is done: the caller must not change it after the call. When the
// remote is disabled or closed, Put drops data.
func (r *Remote) Put(key string, data []byte) {
	if r.disabled.Load() || r.closed.Load() {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pending == 0 {
		r.idle = make(chan struct{})
	}
	r.pending++
	r.queue = append(r.queue, remoteUpload{key, data})
	if r.workers < r.parallel {
		r.workers++
		go r.uploads()
	}
}

// uploads runs queued uploads in the order Put queued them until the
// queue is empty. Once the remote is off it only drains the queue.
func (r *Remote) uploads() {
	for {
		r.mu.Lock()
		if len(r.queue) == 0 {
			r.workers--
			r.mu.Unlock()
			return
		}
		u := r.queue[0]
		r.queue[0] = remoteUpload{}
		r.queue = r.queue[1:]
		r.mu.Unlock()

		if !r.disabled.Load() && r.base.Err() == nil {
			if err := r.upload(u.key, u.data); err != nil && r.base.Err() == nil {
				r.fail("write", u.key, err)
			}
		}

		r.mu.Lock()
		r.pending--
		if r.pending == 0 {
			close(r.idle)
		}
		r.mu.Unlock()
	}
}

// upload writes one object. The drivers publish an object only when the
// writer is closed with its context alive, so on any failure upload
// cancels the context before Close: the write is aborted and no partial
// object becomes visible (s3blob streams through a pipe, and closing it
// after a failed Write would commit what was sent so far).
func (r *Remote) upload(key string, data []byte) error {
	ctx, cancel := context.WithTimeout(r.base, r.timeout)
	defer cancel()
	w, err := r.bucket.NewWriter(ctx, key, &blob.WriterOptions{ContentType: "application/octet-stream"})
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		cancel()
		_ = w.Close() // returns the cancellation; the write is aborted
		return err
	}
	return w.Close()
}

// fail disables the remote and warns, the first time only.
func (r *Remote) fail(op, key string, err error) {
	r.disabled.Store(true)
	r.warnOnce.Do(func() {
		if r.warn != nil {
			r.warn(fmt.Sprintf("remote cache %q: %s %q: %v; the remote cache is off for the rest of this run and the build goes on with the local cache only", r.name, op, key, scrubbed{err: err}))
		}
	})
}

// Flush waits for the queued uploads, each already bounded by the
// Timeout, or until ctx is done, and then returns ctx's error.
func (r *Remote) Flush(ctx context.Context) error {
	r.mu.Lock()
	idle := r.idle
	r.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("flush remote cache %q: %w", r.name, context.Cause(ctx))
	}
}

// Close aborts the uploads still queued or in flight (call Flush first to
// wait for them), waits for them to stop and closes the store. Get and
// Put after Close are misses and drops.
func (r *Remote) Close() error {
	if r.closed.Swap(true) {
		return nil
	}
	r.cancel()
	r.mu.Lock()
	idle := r.idle
	r.mu.Unlock()
	<-idle // quick: every upload's context is canceled
	if err := r.bucket.Close(); err != nil {
		return fmt.Errorf("close remote cache %q: %w", r.name, err)
	}
	return nil
}

// Disabled reports whether a failure turned the remote off.
func (r *Remote) Disabled() bool { return r.disabled.Load() }

// String names the store for messages: its URL without user information
// and with the values of query parameters that might hold a secret
// replaced.
func (r *Remote) String() string { return r.name }

// remotePublicParams are the driver query parameters whose values are
// shown in messages; any other parameter's value is replaced.
var remotePublicParams = map[string]bool{
	// s3blob and gocloud.dev/aws
	"region": true, "endpoint": true, "profile": true, "use_path_style": true,
	"s3ForcePathStyle": true, "disable_https": true, "dualstack": true,
	"fips": true, "accelerate": true, "hostname_immutable": true,
	"anonymous": true, "awssdk": true, "ssetype": true,
	"request_checksum_calculation": true, "response_checksum_validation": true,
	// gcsblob
	"access_id": true, "private_key_path": true, "universe_domain": true,
	// azureblob
	"domain": true, "protocol": true, "cdn": true, "localemu": true,
	"storage_account": true,
	// fileblob
	"create_dir": true, "dir_file_mode": true, "no_tmp_dir": true,
	"metadata": true, "base_url": true, "secret_key_path": true,
}

// redactRemoteURL renders u for messages (see Remote.String), keeping the
// order of its query parameters.
func redactRemoteURL(u *url.URL) string {
	c := *u
	c.User = nil
	c.RawQuery = ""
	c.ForceQuery = false
	c.Fragment, c.RawFragment = "", ""
	s := c.String()
	if u.RawQuery == "" {
		return s
	}
	parts := strings.Split(u.RawQuery, "&")
	for i, p := range parts {
		k, v, _ := strings.Cut(p, "=")
		name, err := url.QueryUnescape(k)
		switch {
		case err != nil || !remotePublicParams[name]:
			parts[i] = k + "=REDACTED"
		case name == "endpoint" || name == "base_url":
			if ev, err := url.QueryUnescape(v); err == nil {
				if eu, err := url.Parse(ev); err == nil && eu.User != nil {
					eu.User = nil
					parts[i] = k + "=" + eu.String()
				}
			}
		}
	}
	return s + "?" + strings.Join(parts, "&")
}

// redactRawURL is redactRemoteURL for a URL as written, before it is
// known to be well formed: it drops the query and anything between "//"
// and an "@".
func redactRawURL(s string) string {
	s, _, _ = strings.Cut(s, "?")
	if before, after, ok := strings.Cut(s, "//"); ok {
		if at := strings.LastIndex(after, "@"); at >= 0 {
			s = before + "//" + after[at+1:]
		}
	}
	return s
}

// secretInText matches the query parameters of signed URLs and tokens
// that a driver's error text may repeat (an Azure SAS token rides in the
// request URL, and net/http errors quote that URL).
var secretInText = regexp.MustCompile(`(?i)\b(sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token|x-goog-signature|x-goog-credential|token|access_token|key)=[^&\s"']+`)

// scrubbed is an error whose text has secretInText values replaced,
// and the store's url (when set) replaced by its name; errors.Is and
// errors.As still reach the cause.
type scrubbed struct {
	err       error
	url, name string
}

func (e scrubbed) Error() string {
	s := e.err.Error()
	if e.url != "" {
		s = strings.ReplaceAll(s, e.url, e.name)
	}
	return secretInText.ReplaceAllString(s, "${1}=REDACTED")
}

func (e scrubbed) Unwrap() error { return e.err }
