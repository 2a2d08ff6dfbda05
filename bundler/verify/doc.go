// Package verify proves that built archives work before they are
// deployed: each archive is unzipped alone into an empty directory, so
// only what it contains is available, and Node.js loads its entry file
// and calls its handler with a minimal API Gateway event. A missing module
// shows up here instead of at run time. Go and Rust archives are checked
// to hold an executable Linux `bootstrap` for the expected architecture.
package verify
