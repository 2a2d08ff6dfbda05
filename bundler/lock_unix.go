//go:build unix

package bundler

import (
	"errors"
	"os"
	"syscall"
)

// tryLock takes an exclusive flock on the destination folder itself (no
// lock file appears among the outputs). It reports false when another
// process holds it. The kernel drops the lock when the process dies, so
// a killed build never leaves the destination locked.
func tryLock(dir *os.File) (bool, error) {
	err := syscall.Flock(int(dir.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return false, nil
	}
	return err == nil, err
}

func unlock(dir *os.File) { syscall.Flock(int(dir.Fd()), syscall.LOCK_UN) }

// syncDir makes renames inside dir durable.
func syncDir(dir *os.File) error { return dir.Sync() }

// lockPath takes an exclusive flock on the file at p (created if need
// be), waiting for other processes; the returned function releases it.
func lockPath(p string) (func(), error) {
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
}
