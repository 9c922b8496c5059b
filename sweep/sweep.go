// Package sweep is experiments as data: a sweep file names grids of hhnet
// commands, Plan expands them into a manifest of indexed runs in a
// folder (indices are stable: planning again after adding seeds appends,
// never renumbers), and Status tells each run's state from its files.
// Running a run is the command line's business (`hhnet sweep run-task`).
package sweep

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/hhnet/hhnet/internal/atomicfile"
)

// File is a sweep file: groups of runs of one command each.
//
//	[[run]]
//	command = "train"
//	[run.flags]
//	model = ["LIF_fc", "HH_fc"]     # a list is an axis of the grid
//	data = "multi-fashion-mnist"    # anything else is fixed
//	seed = [1, 2, 3]
//	epochs = 3
//
// A group's args are positional arguments after the command:
//
//	[[run]]
//	command = "equiv"
//	args = ["signals"]
type File struct {
	Runs []Group `toml:"run"`
}

// Group is the grid of one command: the product of its list flags.
type Group struct {
	Command string         `toml:"command"`
	Args    []string       `toml:"args"` // positional arguments after the command (equiv's experiment)
	Flags   map[string]any `toml:"flags"`
}

// Commands are the hhnet commands a sweep can run.
func Commands() []string { return []string{"train", "robustness", "mi", "rl", "equiv", "cost"} }

// reserved tells the sweep's own flags: it sets each run's folder,
// resumes it and divides the cores, and a run's output goes to its log.
func reserved(name string) bool {
	switch name {
	case "out", "resume", "force", "json", "workers", "help":
		return true
	}
	return false
}

// maxRuns bounds a sweep's expansion, so that a typo cannot plan a
// billion runs.
const maxRuns = 100000

// Parse reads a sweep file, checking it completely: a known command in
// every group, flag names of letters, digits and dashes that are not the
// sweep's own, values that are strings, numbers or booleans, and lists
// that are not empty.
func Parse(b []byte) (*File, error) {
	var f File
	md, err := toml.NewDecoder(bytes.NewReader(b)).Decode(&f)
	if err != nil {
		return nil, err
	}
	if len(f.Runs) == 0 {
		return nil, errors.New("no [[run]] table")
	}
	total := 0
	for i, g := range f.Runs {
		where := fmt.Sprintf("run %d", i+1)
		if !slices.Contains(Commands(), g.Command) {
			return nil, fmt.Errorf("%s: command %q, want one of %s", where, g.Command, strings.Join(Commands(), ", "))
		}
		for _, a := range g.Args {
			if !validName(a) {
				return nil, fmt.Errorf("%s: argument %q is not a word (flags go under [run.flags])", where, a)
			}
		}
		n := 1
		for name, v := range g.Flags {
			if !validName(name) {
				return nil, fmt.Errorf("%s: flag %q is not a flag name", where, name)
			}
			if reserved(name) {
				return nil, fmt.Errorf("%s: flag --%s is the sweep's own (each run gets its folder, --resume and --workers)", where, name)
			}
			vals, err := values(v)
			if err != nil {
				return nil, fmt.Errorf("%s: flag --%s: %w", where, name, err)
			}
			n *= len(vals)
			if n > maxRuns {
				return nil, fmt.Errorf("%s: more than %d runs", where, maxRuns)
			}
		}
		if total += n; total > maxRuns {
			return nil, fmt.Errorf("more than %d runs", maxRuns)
		}
	}
	if keys := md.Undecoded(); len(keys) > 0 {
		return nil, fmt.Errorf("unknown key %q (a sweep file holds [[run]] tables with command and flags)", keys[0].String())
	}
	return &f, nil
}

// ReadFile reads and checks a sweep file.
func ReadFile(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

func validName(s string) bool {
	if s == "" || s[0] == '-' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// values returns a flag's values as command-line text: one for a scalar,
// each element of a list.
func values(v any) ([]string, error) {
	list, isList := v.([]any)
	if !isList {
		s, err := scalar(v)
		if err != nil {
			return nil, err
		}
		return []string{s}, nil
	}
	if len(list) == 0 {
		return nil, errors.New("an empty list (a grid axis needs a value)")
	}
	out := make([]string, len(list))
	for i, e := range list {
		s, err := scalar(e)
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

func scalar(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), nil
	case bool:
		return strconv.FormatBool(x), nil
	}
	return "", fmt.Errorf("a value of type %T, want a string, number or boolean", v)
}

// Run is one command line of a sweep.
type Run struct {
	Index int      `json:"index"`
	Args  []string `json:"args"` // the command and its flags, --name=value, names in order
}

// ID is the run's identity: its command line.
func (r Run) ID() string { return strings.Join(r.Args, " ") }

// Command is the run's hhnet command.
func (r Run) Command() string { return r.Args[0] }

// Expand lists the runs of f, group after group, each group's grid in the
// order of its flag names (the last name varying fastest); indices are 0.
func Expand(f *File) []Run {
	var runs []Run
	for _, g := range f.Runs {
		names := make([]string, 0, len(g.Flags))
		for name := range g.Flags {
			names = append(names, name)
		}
		slices.Sort(names)
		axes := make([][]string, len(names))
		for i, name := range names {
			axes[i], _ = values(g.Flags[name]) // Parse checked them
		}
		pick := make([]int, len(names))
		for {
			args := append([]string{g.Command}, g.Args...)
			for i, name := range names {
				args = append(args, "--"+name+"="+axes[i][pick[i]])
			}
			runs = append(runs, Run{Args: args})
			k := len(pick) - 1
			for ; k >= 0; k-- {
				if pick[k]++; pick[k] < len(axes[k]) {
					break
				}
				pick[k] = 0
			}
			if k < 0 {
				break
			}
		}
	}
	return runs
}

// Manifest is a sweep folder's list of runs.
type Manifest struct {
	Runs []Run `json:"runs"`
}

// Files and folders of a sweep folder.
const (
	ManifestFile = "manifest.json"
	SweepFile    = "sweep.toml"
	RunsDir      = "runs"
)

// Plan expands f into dir's manifest: runs already in it keep their
// indices, new ones are appended after them; it returns the manifest and
// how many runs it added. The sweep file's text is kept as dir/sweep.toml.
func Plan(dir string, f *File, text []byte) (*Manifest, int, error) {
	m, err := ReadManifest(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		m = &Manifest{}
	case err != nil:
		return nil, 0, err
	}
	known := map[string]bool{}
	for _, r := range m.Runs {
		known[r.ID()] = true
	}
	added := 0
	for _, r := range Expand(f) {
		if known[r.ID()] {
			continue
		}
		known[r.ID()] = true
		r.Index = len(m.Runs)
		m.Runs = append(m.Runs, r)
		added++
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, 0, err
	}
	if err := atomicfile.Write(filepath.Join(dir, SweepFile), func(w io.Writer) error { _, err := w.Write(text); return err }); err != nil {
		return nil, 0, err
	}
	err = atomicfile.Write(filepath.Join(dir, ManifestFile), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(m)
	})
	return m, added, err
}

// ReadManifest reads dir's manifest; a missing one is an error wrapping
// os.ErrNotExist.
func ReadManifest(dir string) (*Manifest, error) {
	path := filepath.Join(dir, ManifestFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w (plan the sweep again)", path, err)
	}
	for i, r := range m.Runs {
		if r.Index != i || len(r.Args) == 0 || !slices.Contains(Commands(), r.Args[0]) {
			return nil, fmt.Errorf("%s: run %d is damaged (plan the sweep again)", path, i)
		}
	}
	return &m, nil
}

// RunDir is run i's folder; the command writes into its "out" folder.
func RunDir(dir string, i int) string { return filepath.Join(dir, RunsDir, strconv.Itoa(i)) }

// OutDir is the folder run i's command gets as --out.
func OutDir(dir string, i int) string { return filepath.Join(RunDir(dir, i), "out") }

// States of a run.
const (
	Pending     = "pending"     // never started
	Running     = "running"     // started and not finished (or killed: see Stale)
	Done        = "done"        // finished with exit status 0
	Failed      = "failed"      // finished with an error
	Interrupted = "interrupted" // stopped by a signal; it resumes
	Queued      = "queued"      // not running, but queued in Slurm (status only)
)

// State is a run's state.json, written atomically by run-task.
type State struct {
	State    string    `json:"state"`
	Error    string    `json:"error,omitempty"`
	Host     string    `json:"host"`
	PID      int       `json:"pid"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished,omitzero"`
	Attempts int       `json:"attempts"`
}

// StateFile is the name of a run's state file in its folder.
const StateFile = "state.json"

// ReadState reads run i's state; a run without one is Pending.
func ReadState(dir string, i int) (State, error) {
	b, err := os.ReadFile(filepath.Join(RunDir(dir, i), StateFile))
	if errors.Is(err, os.ErrNotExist) {
		return State{State: Pending}, nil
	}
	if err != nil {
		return State{}, err
	}
	var s State
	if err := json.Unmarshal(b, &s); err != nil || s.State == "" {
		return State{}, fmt.Errorf("%s: unreadable state (%v)", filepath.Join(RunDir(dir, i), StateFile), err)
	}
	return s, nil
}

// WriteState writes run i's state atomically.
func WriteState(dir string, i int, s State) error {
	if err := os.MkdirAll(RunDir(dir, i), 0o755); err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(RunDir(dir, i), StateFile), func(w io.Writer) error {
		return json.NewEncoder(w).Encode(s)
	})
}
