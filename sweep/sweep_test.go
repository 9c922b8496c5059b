package sweep

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
)

const example = `
[[run]]
command = "train"
[run.flags]
model = ["LIF_fc", "HH_fc"]
data = "multi-fashion-mnist"
seed = [1, 2]
epochs = 3

[[run]]
command = "mi"
[run.flags]
encoder = "LIF"
beta = [0.001, 0]
published = false

[[run]]
command = "equiv"
args = ["signals"]
[run.flags]
scales = "0.8,1"
`

func TestExpand(t *testing.T) {
	f, err := Parse([]byte(example))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range Expand(f) {
		got = append(got, r.ID())
	}
	want := []string{
		"train --data=multi-fashion-mnist --epochs=3 --model=LIF_fc --seed=1",
		"train --data=multi-fashion-mnist --epochs=3 --model=LIF_fc --seed=2",
		"train --data=multi-fashion-mnist --epochs=3 --model=HH_fc --seed=1",
		"train --data=multi-fashion-mnist --epochs=3 --model=HH_fc --seed=2",
		"mi --beta=0.001 --encoder=LIF --published=false",
		"mi --beta=0 --encoder=LIF --published=false",
		"equiv signals --scales=0.8,1",
	}
	if !slices.Equal(got, want) {
		t.Errorf("runs\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{``, "no [[run]]"},
		{`[[run]]` + "\n" + `command = "fly"`, `command "fly"`},
		{"[[run]]\ncommand = \"train\"\n[run.flags]\nout = \"x\"", "--out is the sweep's own"},
		{"[[run]]\ncommand = \"train\"\n[run.flags]\nseed = []", "empty list"},
		{"[[run]]\ncommand = \"train\"\n[run.flags]\n\"a b\" = 1", "not a flag name"},
		{"[[run]]\ncommand = \"train\"\n[run.flags]\nx = {y = 1}", "type"},
		{"[[run]]\ncommand = \"train\"\ncolour = 3", "unknown key"},
		{"[[run]]\ncommand = \"train\"\n[run.flags]\na = [1,2,3,4,5,6,7,8,9,10]\nb = [1,2,3,4,5,6,7,8,9,10]\nc = [1,2,3,4,5,6,7,8,9,10]\nd = [1,2,3,4,5,6,7,8,9,10]\ne = [1,2,3,4,5,6,7,8,9,10]\nf = [1,2,3,4,5,6,7,8,9,10]", "more than"},
		{"[[run]\n", ""},
		{"[[run]]\ncommand = \"equiv\"\nargs = [\"--fc\"]", "not a word"},
	} {
		_, err := Parse([]byte(tc.text))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want one containing %q", tc.text, err, tc.want)
		}
	}
}

// TestPlanKeepsIndices plans a sweep, adds a seed and plans again: the
// old runs keep their indices and the new ones come after them.
func TestPlanKeepsIndices(t *testing.T) {
	dir := t.TempDir()
	f, _ := Parse([]byte(example))
	m, added, err := Plan(dir, f, []byte(example))
	if err != nil || added != 7 || len(m.Runs) != 7 {
		t.Fatalf("first plan: %d added, %v", added, err)
	}
	before := m.Runs
	more := strings.Replace(example, "seed = [1, 2]", "seed = [1, 2, 3]", 1)
	f2, _ := Parse([]byte(more))
	m2, added, err := Plan(dir, f2, []byte(more))
	if err != nil || added != 2 || len(m2.Runs) != 9 {
		t.Fatalf("second plan: %d added, %d runs, %v", added, len(m2.Runs), err)
	}
	for i, r := range before {
		if m2.Runs[i].ID() != r.ID() || m2.Runs[i].Index != i {
			t.Errorf("run %d was %q, now %q", i, r.ID(), m2.Runs[i].ID())
		}
	}
	for _, r := range m2.Runs[7:] {
		if !strings.Contains(r.ID(), "--seed=3") {
			t.Errorf("appended run %q is not a seed-3 run", r.ID())
		}
	}
	read, err := ReadManifest(dir)
	if err != nil || len(read.Runs) != 9 {
		t.Fatalf("manifest read back: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, SweepFile)); string(b) != more {
		t.Error("sweep.toml does not hold the last plan's text")
	}
}

func TestStates(t *testing.T) {
	dir := t.TempDir()
	if s, err := ReadState(dir, 3); err != nil || s.State != Pending {
		t.Fatalf("a run without a state file: %+v, %v; want pending", s, err)
	}
	if err := WriteState(dir, 3, State{State: Failed, Error: "boom", Attempts: 2}); err != nil {
		t.Fatal(err)
	}
	if s, err := ReadState(dir, 3); err != nil || s.State != Failed || s.Error != "boom" || s.Attempts != 2 {
		t.Fatalf("read back %+v, %v", s, err)
	}
	os.WriteFile(filepath.Join(RunDir(dir, 3), StateFile), []byte("{"), 0o644)
	if _, err := ReadState(dir, 3); err == nil || !strings.Contains(err.Error(), StateFile) {
		t.Errorf("a damaged state file: %v, want an error naming it", err)
	}
	os.WriteFile(filepath.Join(dir, ManifestFile), []byte(`{"runs":[{"index":0,"args":["dance"]}]}`), 0o644)
	if _, err := ReadManifest(dir); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("a manifest with an unknown command: %v", err)
	}
}

// FuzzParse feeds the sweep-file parser arbitrary text: it returns an
// error or a sweep whose expansion is within bounds, never panics.
func FuzzParse(f *testing.F) {
	f.Add([]byte(example))
	f.Add([]byte("[[run]]\ncommand = \"cost\"\n"))
	f.Add([]byte("[[run]]\ncommand = \"train\"\n[run.flags]\nseed = [1, 2.5, true, \"x\"]\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Parse(b)
		if err != nil {
			return
		}
		runs := Expand(s)
		if len(runs) == 0 || len(runs) > maxRuns {
			t.Fatalf("%d runs from a parsed sweep", len(runs))
		}
		for _, r := range runs {
			if !slices.Contains(Commands(), r.Command()) {
				t.Fatalf("run of command %q", r.Command())
			}
		}
	})
}

// TestKubernetesJob writes a sweep's Job, encodes it as kubectl reads it
// and decodes it back into the typed Job: an Indexed Job of one
// completion per run whose pods run their index's task on the claim.
func TestKubernetesJob(t *testing.T) {
	f, _ := Parse([]byte(example))
	m := &Manifest{Runs: Expand(f)}
	job, err := KubernetesJob(m, KubernetesOptions{Name: "study", Image: "hhnet:1", Claim: "runs", Dir: "s1", Parallelism: 4, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(job)
	if err != nil {
		t.Fatal(err)
	}
	var back batchv1.Job
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	s := back.Spec
	c := s.Template.Spec.Containers[0]
	switch {
	case back.Kind != "Job" || back.APIVersion != "batch/v1":
		t.Errorf("kind %s/%s", back.APIVersion, back.Kind)
	case *s.Completions != 7 || *s.Parallelism != 4 || *s.CompletionMode != batchv1.IndexedCompletion:
		t.Errorf("completions %d, parallelism %d, mode %s", *s.Completions, *s.Parallelism, *s.CompletionMode)
	case strings.Join(c.Command, " ") != "hhnet sweep run-task --dir /sweep/s1 --index $(JOB_COMPLETION_INDEX) --workers 2":
		t.Errorf("command %q", c.Command)
	case c.Resources.Requests.Cpu().Value() != 2 || s.Template.Spec.Volumes[0].PersistentVolumeClaim.ClaimName != "runs":
		t.Errorf("cpu %v, claim %+v", c.Resources.Requests.Cpu(), s.Template.Spec.Volumes[0])
	case s.Template.Spec.RestartPolicy != "Never" || c.VolumeMounts[0].MountPath != KubernetesMountPath:
		t.Errorf("restart %s, mount %+v", s.Template.Spec.RestartPolicy, c.VolumeMounts)
	}
	if _, err := KubernetesJob(m, KubernetesOptions{Name: "x"}); err == nil {
		t.Error("a Job without image or claim accepted")
	}
}
