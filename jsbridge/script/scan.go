package script

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
)

// scan lists the script files of the tree: .js and .ts files (not .d.ts),
// outside dot directories and node_modules. Symlinks are followed when they
// stay inside the scripts directory (each real directory is walked once, so
// a link loop ends); those that leave it are returned in outside, by name.
// Only an unreadable top directory is an error: a subdirectory that cannot be
// read is logged and skipped.
func (s *Store) scan() (files []scanned, outside map[string]bool, err error) {
	outside = map[string]bool{}
	visited := map[string]bool{s.dir: true}
	var walk func(rel, abs, real string) error
	walk = func(rel, abs, real string) error {
		ents, err := os.ReadDir(abs)
		if err != nil {
			if rel == "." {
				return fmt.Errorf("scan scripts dir: %w", err)
			}
			s.log.Warn().Err(err).Str("dir", rel).Msg("scripts subdirectory skipped")
			return nil
		}
		for _, de := range ents {
			base := de.Name()
			childRel := path.Join(rel, base)
			childAbs := filepath.Join(abs, base)
			childReal := filepath.Join(real, base)
			typ := de.Type()
			if typ&fs.ModeSymlink != 0 {
				target, err := filepath.EvalSymlinks(childAbs)
				if err != nil {
					continue // dangling link
				}
				if !inside(s.dir, target) {
					outside[childRel] = true
					continue
				}
				fi, err := os.Stat(target)
				if err != nil {
					continue
				}
				childReal = target
				typ = fi.Mode().Type()
			}
			switch {
			case typ.IsDir():
				if skipDir(base) || visited[childReal] {
					continue
				}
				visited[childReal] = true
				if err := walk(childRel, childAbs, childReal); err != nil {
					return err
				}
			case typ.IsRegular() && isScriptName(base):
				files = append(files, scanned{name: childRel, path: childAbs})
			}
		}
		return nil
	}
	if err := walk(".", s.dir, s.dir); err != nil {
		return nil, nil, err
	}
	return files, outside, nil
}
