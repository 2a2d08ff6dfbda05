// Package resolver answers Node.js module questions for the bundlers: which
// specifiers name built-in modules (never shipped), and, as the resolver
// grows, where a specifier resolves to on disk following Node's rules
// (relative paths, node_modules lookup, package.json main/exports/imports,
// symlinks).
package resolver
