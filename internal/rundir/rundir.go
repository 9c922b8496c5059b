// Package rundir guards a run's output folder: a new run must not start
// over an earlier one unless asked to, and then the earlier one is moved
// aside, never deleted.
package rundir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// ErrExists is returned when the folder holds an earlier run and neither
// resume nor force was asked for: starting over it would lose that run.
var ErrExists = errors.New("the output folder holds a run already")

// Prepare makes dir ready for a run whose files are named by marks (its
// checkpoint, its metrics). With resume it does nothing. A dir holding any
// of marks is an error wrapping ErrExists, unless force is set: then the
// whole folder is renamed to dir.old-TIMESTAMP, returned as moved.
func Prepare(dir string, resume, force bool, marks ...string) (moved string, err error) {
	if dir == "" || resume {
		return "", nil
	}
	found := ""
	for _, name := range marks {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			found = name
			break
		}
	}
	if found == "" {
		return "", nil
	}
	if !force {
		return "", fmt.Errorf("%w: %s has %s; continue it with --resume, or start afresh with --force (moves the old run aside)",
			ErrExists, dir, found)
	}
	clean := filepath.Clean(dir)
	stamp := time.Now().Format("20060102-150405")
	moved = clean + ".old-" + stamp
	for k := 2; ; k++ {
		if _, err := os.Lstat(moved); errors.Is(err, os.ErrNotExist) {
			break
		}
		moved = fmt.Sprintf("%s.old-%s-%d", clean, stamp, k)
	}
	if err := os.Rename(clean, moved); err != nil {
		return "", fmt.Errorf("moving the earlier run aside: %w", err)
	}
	return moved, nil
}
