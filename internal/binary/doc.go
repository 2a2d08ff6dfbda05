// Package binary identifies prebuilt function binaries: Linux ELF files
// built by Go or Rust, and the platform and architecture they target.
//
// It mirrors @netlify/binary-info as the reference uses it: a Go binary has
// a `.note.go.buildid` section, a Rust binary has the `rust_eh_personality`
// symbol. Only ELF is understood; PE and Mach-O are never functions.
package binary
