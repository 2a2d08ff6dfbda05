// Package discover finds the functions in a site's source folders with the
// reference tool's rules: which files and directories are functions, which
// runtime claims them, their names and main files, and which one wins when
// several share a name.
package discover
