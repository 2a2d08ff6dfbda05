// Package golang builds Go source functions for the functions platform:
// one `go build` per function, cross-compiled for Linux with the flags the
// reference uses (-ldflags "-s -w", -tags lambda.norpc, CGO off) plus
// -trimpath and -buildvcs=false, so that the same sources give the same
// binary on any machine and in any directory.
//
// Before running the compiler it reads go.mod and go.work with
// golang.org/x/mod, so the usual mistakes (no module, a module needing a
// newer Go, a module missing from its workspace) are reported in words a
// user can act on instead of as compiler output; the compiler's own
// failures keep its file:line messages and gain a hint where one is known
// (`go mod tidy` for a missing go.sum entry).
package golang
