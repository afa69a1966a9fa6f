package scripts

import (
	"embed"
	"io/fs"
	"os"
	"path/filepath"
)

//go:embed *.js
var files embed.FS

// Unpack writes the example scripts into dir.
func Unpack(dir string) error {
	return fs.WalkDir(files, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := files.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, path), b, 0o644)
	})
}
