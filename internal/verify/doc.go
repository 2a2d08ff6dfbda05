// Package verify proves that built archives work before they are
// deployed: each archive is unzipped alone into an empty directory, so
// only what it contains is available, and Node.js loads its entry file
// and calls its handler with a minimal API Gateway event. A missing module
// shows up here instead of at run time, and so does a module with nothing
// to call: a v1 module without a `handler` function, a v2 main module
// without a default export function (checked the way the v2 bootstrap
// reads it).
//
// A handler that throws with the test event passes only when the
// function's own code ran: the error's stack reaches a file of the
// function (anything in the archive but the entry point, bootstrap and
// metadata zisi adds), or V8's coverage saw the function's code run
// during the call. A v2 bootstrap that throws before calling the
// function, as the 1.x @netlify/serverless-functions-api does with the
// entry point zisi writes, fails the archive with the bootstrap version
// from ___netlify-metadata.json.
//
// Go and Rust archives are checked to hold an executable Linux
// `bootstrap` for the expected architecture.
package verify
