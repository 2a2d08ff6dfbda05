//go:build !unix

package bundler

import "os"

// tryLock: no advisory lock on this platform; concurrent builds into one
// destination are not kept apart.
func tryLock(*os.File) (bool, error) { return true, nil }

func unlock(*os.File) {}

func syncDir(*os.File) error { return nil }

// lockPath: no advisory lock on this platform.
func lockPath(string) (func(), error) { return func() {}, nil }
