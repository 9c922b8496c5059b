// Package atomicfile writes files so that a reader never sees a partial
// one: the content goes to a temporary file in the same folder, which is
// renamed over the destination only when complete. A crash or an error
// leaves the destination as it was.
package atomicfile

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Write writes what fill produces to path through a temporary file in the
// same folder, synced to disk and renamed into place with mode 0644. On any
// error the temporary file is removed and path is left as it was.
func Write(path string, fill func(w io.Writer) error) error {
	return write(path, fill, true)
}

// WriteNoSync is Write without the sync, for large files that carry their
// own checksum: a file torn by a crash fails its check and is rebuilt, so
// it need not wait for the disk.
func WriteNoSync(path string, fill func(w io.Writer) error) error {
	return write(path, fill, false)
}

func write(path string, fill func(w io.Writer) error, sync bool) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = fill(tmp); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if sync {
		if err = tmp.Sync(); err != nil {
			return err
		}
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
