// Package release builds zisi the way it is released: one binary per
// target with reproducible flags (Build), packed into an archive whose
// bytes depend only on its files (Archive), and a SHA256SUMS file over
// the archives (Dist). `make dist` drives it through internal/tools/dist;
// the tests use it to build the real binary with the release flags.
//
// Reproducibility follows ko and the Go distribution: CGO_ENABLED=0,
// -trimpath, the microarchitecture levels pinned (GOAMD64=v1,
// GOARM64=v8.0), GOFLAGS cleared, -buildvcs=auto and -ldflags "-s -w -X
// main.version=V -X main.commit=..." with the commit, the changes flag and
// the commit time read from git (GitStamp), which go build's own VCS
// stamping misses in a linked worktree. The archives are written by
// internal/archive, the same reproducible writers as the function
// archives: sorted entries, fixed dates (the DOS date 1980-01-01 in zips, the Unix epoch in tars), owner
// 0:0 with no names, modes 0644 or 0755, and a gzip header with no name or
// time. Two runs on the same tree with the same Go toolchain therefore give
// byte-identical archives.
package release
