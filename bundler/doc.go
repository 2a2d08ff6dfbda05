// Package bundler is zisi's library entry point: it builds a site's
// serverless functions into deployable archives and a manifest.json, the
// way Netlify's zip-it-and-ship-it does.
//
// Deploy tools call ZipFunctions (a whole site), ZipFunction (one
// function), ListFunctions and ListFunctionsFiles (no building). Each takes
// a context.Context, which cancels the build without leaving partial
// outputs, and an Options struct; nothing is read from the environment.
//
// Results marshal to the reference tool's JSON result objects. A failed
// function is a *FunctionError naming the function, its runtime and its
// bundler; ZipFunctions collects them in a *BuildError after attempting
// every function, and writes the manifest only when all succeeded.
//
// The work is split into subpackages: discover (which files are
// functions), node (Node.js bundling and archive layout), binary (prebuilt
// Go and Rust executables) and archive (reproducible zips and atomic
// output).
package bundler
