package bundler

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/zisi-build/zisi/internal/archive"
	"github.com/zisi-build/zisi/manifest"
)

// ErrDestinationBusy means another build holds the destination's lock
// and Options.NoWait is set.
var ErrDestinationBusy = errors.New("destination busy")

// stagingPrefix names the folder inside the destination where a build
// writes its outputs until they replace the previous set.
const stagingPrefix = ".zisi-staging-"

// lockPoll is how often a waiting build retries the destination's lock.
const lockPoll = 100 * time.Millisecond

// stage is one build's hold on its destination: the lock, and the staging
// folder its archives are written to. Only commit touches the previous
// outputs, so a build that fails or is killed leaves them byte for byte
// as they were.
type stage struct {
	dest string   // the destination as given
	dir  string   // the staging folder
	lock *os.File // the destination folder, flocked
	// fsync syncs what is published (Options.Fsync).
	fsync bool
}

// openStage creates the destination, takes its lock (waiting for another
// build, or failing with ErrDestinationBusy when o.NoWait), removes what
// builds killed earlier left behind, and makes a fresh staging folder.
func openStage(ctx context.Context, dest string, o Options) (*stage, error) {
	if err := makeDest(dest); err != nil {
		return nil, err
	}
	f, err := os.Open(dest)
	if err != nil {
		return nil, fmt.Errorf("open destination %q: %w", dest, err)
	}
	for waited := false; ; {
		ok, err := tryLock(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("lock destination %q: %w", dest, err)
		}
		if ok {
			break
		}
		if o.NoWait {
			f.Close()
			return nil, fmt.Errorf("%w: another zisi build is writing %q; wait for it to finish, or build into another folder", ErrDestinationBusy, dest)
		}
		if !waited && o.OnWait != nil {
			o.OnWait(dest)
		}
		waited = true
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(lockPoll):
		}
	}
	s := &stage{dest: dest, lock: f, fsync: o.Fsync}
	if err := removeLeftovers(dest); err != nil {
		s.close()
		return nil, err
	}
	if s.dir, err = os.MkdirTemp(dest, stagingPrefix); err != nil {
		s.close()
		return nil, fmt.Errorf("create staging folder in %q: %w", dest, err)
	}
	return s, nil
}

// leftover recognises what an interrupted or killed build leaves in a
// destination: its staging folder, and the temporary files and folders
// of atomic writes (".NAME.tmp-…").
func leftover(name string) bool {
	return strings.HasPrefix(name, stagingPrefix) || (strings.HasPrefix(name, ".") && strings.Contains(name, ".tmp-"))
}

// removeLeftovers deletes leftovers of earlier builds. It runs under the
// lock, so none of them belongs to a live build.
func removeLeftovers(dest string) error {
	entries, err := os.ReadDir(dest)
	if err != nil {
		return fmt.Errorf("list destination %q: %w", dest, err)
	}
	for _, e := range entries {
		if leftover(e.Name()) {
			if err := os.RemoveAll(filepath.Join(dest, e.Name())); err != nil {
				return fmt.Errorf("remove %q left by an interrupted build: %w", filepath.Join(dest, e.Name()), err)
			}
		}
	}
	return nil
}

// commit moves the staged outputs over the previous ones, then writes the
// manifest (last, so a manifest never names an archive that is not in
// place). Each output is replaced by one rename; a folder output is
// swapped with the previous folder, which is removed with the stage.
// Once the new manifest is in place, the outputs the previous manifest
// listed in the destination that this build no longer writes are removed
// (nothing the previous manifest does not list is touched); their paths
// are returned.
func (s *stage) commit(outputs []string, manifestPath string, manifestData []byte) ([]string, error) {
	stale := s.staleOutputs(outputs, manifestPath)
	if err := s.publish(outputs, manifestPath, manifestData); err != nil {
		return nil, err
	}
	var removed []string
	for _, p := range stale {
		if err := os.RemoveAll(p); err == nil {
			removed = append(removed, p)
		}
	}
	return removed, nil
}

// staleOutputs lists the outputs of the previous build, as its manifest
// at manifestPath names them, that are directly in the destination, still
// exist and are not among this build's outputs.
func (s *stage) staleOutputs(outputs []string, manifestPath string) []string {
	data, err := os.ReadFile(manifestPath)
	if err != nil {
		return nil
	}
	m, err := manifest.Parse(data)
	if err != nil {
		return nil
	}
	dest, err := resolvePath(s.dest)
	if err != nil {
		return nil
	}
	var stale []string
	for _, fn := range m.Functions {
		p, err := resolvePath(fn.Path)
		name := filepath.Base(p)
		if err != nil || filepath.Dir(p) != dest || slices.Contains(outputs, name) || leftover(name) || p == manifestPath {
			continue
		}
		if _, err := os.Lstat(p); err == nil && !slices.Contains(stale, p) {
			stale = append(stale, p)
		}
	}
	return stale
}

func (s *stage) publish(outputs []string, manifestPath string, manifestData []byte) error {
	for _, name := range outputs {
		staged, final := filepath.Join(s.dir, name), filepath.Join(s.dest, name)
		fi, err := os.Lstat(staged)
		if err != nil {
			return fmt.Errorf("publish %q: %w", final, err)
		}
		if fi.IsDir() {
			if _, err := os.Lstat(final); err == nil {
				if err := os.Rename(final, staged+".old"); err != nil {
					return fmt.Errorf("replace %q: %w", final, err)
				}
			}
		}
		if err := os.Rename(staged, final); err != nil {
			return fmt.Errorf("publish %q: %w", final, err)
		}
	}
	if s.fsync {
		if err := syncDir(s.lock); err != nil {
			return fmt.Errorf("sync destination %q: %w", s.dest, err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(manifestPath), 0o755); err != nil {
		return fmt.Errorf("create %q: %w", filepath.Dir(manifestPath), err)
	}
	return archive.WriteFile(manifestPath, manifestData, s.fsync)
}

// close removes the staging folder (with anything a failed build left in
// it) and releases the lock.
func (s *stage) close() {
	if s.dir != "" {
		os.RemoveAll(s.dir)
	}
	unlock(s.lock)
	s.lock.Close()
}

// resolvePath returns p absolute with every symbolic link resolved, for
// the part of it that exists (a destination may not exist yet).
func resolvePath(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", fmt.Errorf("resolve %q: %w", p, err)
	}
	var rest []string
	for cur := abs; ; cur = filepath.Dir(cur) {
		if real, err := filepath.EvalSymlinks(cur); err == nil {
			return filepath.Join(append([]string{real}, rest...)...), nil
		}
		if filepath.Dir(cur) == cur {
			return abs, nil
		}
		rest = append([]string{filepath.Base(cur)}, rest...)
	}
}

// insideAny reports whether p lies below one of dirs (not at it), both
// made absolute.
func insideAny(p string, dirs ...string) bool {
	abs, err := filepath.Abs(p)
	if err != nil {
		return false
	}
	for _, d := range dirs {
		if dir, err := filepath.Abs(d); err == nil && abs != dir && within(abs, dir) {
			return true
		}
	}
	return false
}

// within reports whether p is dir or lies below it.
func within(p, dir string) bool {
	r, err := filepath.Rel(dir, p)
	return err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator))
}
