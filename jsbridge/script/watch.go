package script

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Debounce defaults for Watch.
const (
	DefaultReloadQuiet    = 200 * time.Millisecond
	DefaultReloadMaxDelay = 2 * time.Second
)

// ErrWatcherClosed is returned by Watch when the file watcher stops on its own.
var ErrWatcherClosed = errors.New("scripts watcher closed")

// Watch reloads the store when scripts change, until ctx is done; it then
// returns nil, leaving no goroutine behind. It watches the whole tree
// (new subdirectories are added as they appear; dot directories and
// node_modules are ignored) and debounces: a reload runs once no script event
// came for Options.ReloadQuiet, or at the latest Options.ReloadMaxDelay after
// the first event of a burst, so a `git pull` that rewrites 50 files is one
// reload. Reload errors are logged and do not stop watching.
//
// An error is returned when the watcher cannot start (e.g. the inotify watch
// limit is reached) or stops by itself.
func (s *Store) Watch(ctx context.Context) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch scripts dir: %w", err)
	}
	defer w.Close()
	dw := &dirWatcher{w: w, root: s.dir, watched: map[string]bool{}}
	if err := dw.addTree(s.dir); err != nil {
		return fmt.Errorf("watch scripts dir: %w", err)
	}
	s.log.Info().Str("dir", s.dir).Int("dirs", len(dw.watched)).Dur("quiet", s.quiet).Msg("watching scripts for changes")
	if s.watching != nil {
		s.watching()
	}

	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	var first time.Time
	pending := false
	schedule := func() {
		now := time.Now()
		if !pending {
			pending, first = true, now
		}
		wait := min(s.quiet, first.Add(s.maxWait).Sub(now))
		timer.Reset(max(wait, 0))
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return ErrWatcherClosed
			}
			if dw.relevant(ev, s) {
				schedule()
			}
		case err, ok := <-w.Errors:
			if !ok {
				return ErrWatcherClosed
			}
			s.log.Warn().Err(err).Msg("scripts watcher error: reloading everything")
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				// Events were lost: a rescan catches up, and new
				// directories must be watched again.
				_ = dw.addTree(s.dir)
			}
			schedule()
		case <-timer.C:
			pending = false
			res, err := s.Reload()
			if s.afterReload != nil {
				s.afterReload(res, err == nil)
			}
		}
	}
}

// dirWatcher keeps one watch per directory of the tree. Used by Watch's
// goroutine only.
type dirWatcher struct {
	w       *fsnotify.Watcher
	root    string
	watched map[string]bool // absolute directory paths
}

// addTree watches dir and every directory under it that the store loads.
func (d *dirWatcher) addTree(dir string) error {
	visited := map[string]bool{}
	var walk func(abs string) error
	walk = func(abs string) error {
		real, err := filepath.EvalSymlinks(abs)
		if err != nil {
			if abs == dir {
				return err
			}
			return nil // vanished meanwhile: the scan reports what is left
		}
		if visited[real] || (abs != d.root && !inside(d.root, real)) {
			return nil
		}
		visited[real] = true
		if !d.watched[abs] {
			if err := d.w.Add(abs); err != nil {
				if abs == dir {
					return err
				}
				return nil // vanished or unreadable: the scan reports it
			}
			d.watched[abs] = true
		}
		ents, err := os.ReadDir(abs)
		if err != nil {
			return nil
		}
		for _, de := range ents {
			if skipDir(de.Name()) {
				continue
			}
			child := filepath.Join(abs, de.Name())
			if de.IsDir() {
				if err := walk(child); err != nil {
					return err
				}
			} else if de.Type()&os.ModeSymlink != 0 {
				if fi, err := os.Stat(child); err == nil && fi.IsDir() {
					if err := walk(child); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}
	if err := walk(dir); err != nil {
		return err
	}
	if dir == d.root { // npm writes node_modules/.package-lock.json on every install
		if nm := filepath.Join(dir, "node_modules"); !d.watched[nm] {
			if fi, err := os.Stat(nm); err == nil && fi.IsDir() && d.w.Add(nm) == nil {
				d.watched[nm] = true
			}
		}
	}
	return nil
}

// relevant reports whether ev may change the set of scripts, and keeps the
// watches in step with created and removed directories.
func (d *dirWatcher) relevant(ev fsnotify.Event, s *Store) bool {
	rel, err := filepath.Rel(d.root, ev.Name)
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return false
	}
	switch filepath.ToSlash(rel) {
	case "package.json", "package-lock.json", "node_modules", "node_modules/.package-lock.json":
		// npm install: scripts bundling vendored packages are rebuilt (bundle.go)
		return ev.Op != fsnotify.Chmod
	}
	for _, part := range strings.Split(filepath.ToSlash(rel), "/") {
		if skipDir(part) {
			return false
		}
	}
	if ev.Op == fsnotify.Chmod {
		return false
	}
	if ev.Has(fsnotify.Create) {
		if fi, err := os.Stat(ev.Name); err == nil && fi.IsDir() {
			if err := d.addTree(ev.Name); err != nil {
				s.log.Warn().Err(err).Str("dir", rel).Msg("cannot watch new scripts subdirectory")
			}
			return true
		}
	}
	if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
		if d.watched[ev.Name] {
			prefix := ev.Name + string(filepath.Separator)
			for p := range d.watched {
				if p == ev.Name || strings.HasPrefix(p, prefix) {
					_ = d.w.Remove(p)
					delete(d.watched, p)
				}
			}
			return true
		}
	}
	return isScriptName(filepath.Base(ev.Name))
}
