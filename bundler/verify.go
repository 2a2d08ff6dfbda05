package bundler

import (
	"context"

	"github.com/zisi-build/zisi/internal/verify"
	"github.com/zisi-build/zisi/manifest"
)

// VerifyOptions says how Verify loads archives (node binary, parallelism,
// the Go architecture Go and Rust archives must target, …).
type VerifyOptions = verify.Options

// VerifyResult is the outcome for one function of a verified build.
type VerifyResult = verify.Result

// Verify proves each archive of the build whose manifest.json is in dir
// loads on its own: Node.js archives are unzipped alone and loaded by
// node, their handler called with a test event; Go and Rust archives must
// hold a Linux bootstrap for the expected architecture. Results follow
// the manifest's order.
func Verify(ctx context.Context, dir string, opts VerifyOptions) ([]VerifyResult, error) {
	return verify.Dir(ctx, dir, opts)
}

// VerifyFunctions is Verify for the given manifest entries.
func VerifyFunctions(ctx context.Context, fns []manifest.Function, opts VerifyOptions) ([]VerifyResult, error) {
	return verify.Functions(ctx, fns, opts)
}
