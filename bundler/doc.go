// Package bundler is zisi's library, the one package a deploy tool
// imports: it builds a site's serverless functions into deployable
// archives and a manifest.json, the way Netlify's zip-it-and-ship-it does.
//
// # Building
//
// ZipFunctions builds a whole site, ZipFunction one function; both take a
// context.Context, which cancels the build without leaving partial
// outputs, and a flat Options struct whose zero value is useful. Nothing
// is read from the process environment: Options.Env is what go build
// sees. Results marshal to the reference tool's JSON result objects; the
// Report also says which v2 bootstrap shipped and carries warnings and
// notes.
//
// ZipFunctions stages every output inside the destination and replaces
// the previous ones only when every function succeeded, the manifest
// last; a lock keeps two builds into one folder apart. Nothing ships from
// outside the site (Options.AllowOutside opts folders in).
//
// # Monorepos
//
// A site inside a workspace whose node_modules is hoisted above it needs
// Options.RepositoryRoot, the workspace's top (the reference's
// repositoryRoot; Netlify Build passes it). Files anywhere under it may
// ship, and traced functions are traced from it. FindRepositoryRoot
// finds it as zisi's CLI does:
//
//	rep, err := bundler.ZipFunctions(ctx, []string{"netlify/functions"}, "out", bundler.Options{
//		BasePath:       site,
//		RepositoryRoot: bundler.FindRepositoryRoot(site),
//	})
//
// # Listing and explaining
//
// ListFunctions and ListFunctionsFiles read a site without building it;
// the second plans each function as a build does and lists the files it
// reads. Every Node.js result carries a Selection: why each file ships,
// and what was left out. Explain answers for one file or package, as
// `zisi why` prints it.
//
// # Verifying
//
// Verify loads each archive of a build alone in node and calls its
// handler, failing functions that would fail at run time.
//
// # Errors
//
// A failed function is a *FunctionError naming the function, its runtime
// and its bundler; ZipFunctions collects them in a *BuildError after
// attempting every function. Classifiable causes are sentinels and types
// of this package, for errors.Is and errors.As: ErrMissingModule
// (*MissingModuleError), ErrBundle (*BundleError), ErrCompile
// (*CompileError), ErrTooLarge (*SizeError), ErrSourceConfig
// (*SourceConfigError), ErrOutsideRoot, ErrBadPrebuiltZip,
// ErrDestinationBusy, and netlify.toml errors as *config.Error.
//
// The implementation lives in internal packages (discovery, the Node.js
// bundlers, Go builds, archives, verification); the package graph and
// module resolution are in the public resolver package.
package bundler
