// Package routes turns a v2 function's `path` declarations into the
// manifest's routes: a literal path, or a regular expression compiled from
// URLPattern syntax exactly as the reference does (urlpattern-polyfill's
// pathname regexp, wrapped in ^…\/?$ so a trailing slash also matches).
//
// The pattern parser and regexp generator follow the URL Pattern standard
// (https://urlpattern.spec.whatwg.org/): tokenize, parse into parts with
// the pathname's "/" prefix, then generate.
package routes
