package sweep

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestRanges(t *testing.T) {
	for _, tc := range []struct {
		in   []int
		want string
	}{
		{[]int{0}, "0"},
		{[]int{0, 1, 2, 3}, "0-3"},
		{[]int{0, 1, 2, 3, 7, 9, 10, 11, 12}, "0-3,7,9-12"},
		{[]int{2, 4, 6}, "2,4,6"},
		{[]int{5, 6}, "5-6"},
	} {
		if got := Ranges(tc.in); got != tc.want {
			t.Errorf("Ranges(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParseJobID(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"42\n", "42"},
		{"1234;cluster2\n", "1234"},
	} {
		if got, err := ParseJobID(tc.in); err != nil || got != tc.want {
			t.Errorf("ParseJobID(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "\n", "Submitted batch job 42", "-3", "x;y"} {
		if _, err := ParseJobID(bad); err == nil {
			t.Errorf("ParseJobID(%q): no error", bad)
		}
	}
}

func TestParseSqueue(t *testing.T) {
	out := "7                   1-3%1               PENDING             \n" +
		"7                   0                   RUNNING             \n\n" +
		"8                   [5,9]               REQUEUED\n"
	got, err := ParseSqueue(out)
	want := []SlurmTask{{"7", 1, "PENDING"}, {"7", 2, "PENDING"}, {"7", 3, "PENDING"}, {"7", 0, "RUNNING"}, {"8", 5, "REQUEUED"}, {"8", 9, "REQUEUED"}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("ParseSqueue = %v, %v; want %v", got, err, want)
	}
	for _, bad := range []string{"7 RUNNING", "7 x RUNNING", "7 3-1 PENDING", "7 -2 FAILED"} {
		if _, err := ParseSqueue(bad); err == nil {
			t.Errorf("ParseSqueue(%q): no error", bad)
		}
	}
	for _, tc := range []struct {
		state  string
		queued bool
	}{{"PENDING", true}, {"RUNNING", true}, {"REQUEUED", true}, {"COMPLETED", false}, {"FAILED", false}, {"CANCELLED", false}, {"TIMEOUT", false}} {
		if got := (SlurmTask{State: tc.state}).Queued(); got != tc.queued {
			t.Errorf("%s queued: %v, want %v", tc.state, got, tc.queued)
		}
	}
}

func FuzzParseSqueue(f *testing.F) {
	f.Add("7 1-3%1 PENDING\n7 0 RUNNING\n")
	f.Add("8 [5,9] REQUEUED")
	f.Add("1 0-99999 PENDING")
	f.Fuzz(func(t *testing.T, s string) {
		tasks, err := ParseSqueue(s)
		if err != nil {
			return
		}
		if len(tasks) > maxRuns {
			t.Fatalf("%d tasks from %d bytes", len(tasks), len(s))
		}
		for _, task := range tasks {
			if task.Index < 0 || task.Job == "" || task.State == "" {
				t.Fatalf("task %+v from %q", task, s)
			}
		}
	})
}

func TestSlurmScript(t *testing.T) {
	got, err := SlurmScript(SlurmOptions{Name: "hhnet-study", HHNet: "/opt/hhnet bin/hhnet", Dir: "/scratch/study",
		Indices: []int{0, 1, 2, 5}, Throttle: 3, Workers: 4, ExtraArgs: []string{"--partition=cpu", "--time=2:00:00"}})
	want := `#!/bin/sh
#SBATCH --job-name=hhnet-study
#SBATCH --array=0-2,5%3
#SBATCH --cpus-per-task=4
#SBATCH --requeue
#SBATCH --open-mode=append
#SBATCH --signal=B:TERM@120
#SBATCH --output=/scratch/study/runs/%a/slurm.txt
#SBATCH --partition=cpu
#SBATCH --time=2:00:00
exec '/opt/hhnet bin/hhnet' sweep run-task --dir /scratch/study --index "$SLURM_ARRAY_TASK_ID" --workers 4
`
	if err != nil || got != want {
		t.Fatalf("script (%v):\n%s\nwant:\n%s", err, got, want)
	}
	for _, tc := range []struct {
		o    SlurmOptions
		want string
	}{
		{SlurmOptions{HHNet: "/h", Dir: "/d"}, "no runs"},
		{SlurmOptions{HHNet: "hhnet", Dir: "/d", Indices: []int{0}}, "absolute"},
		{SlurmOptions{HHNet: "/h", Dir: "d", Indices: []int{0}}, "absolute"},
		{SlurmOptions{HHNet: "/h", Dir: "/d", Indices: []int{0}, ExtraArgs: []string{"partition=cpu"}}, "sbatch option"},
		{SlurmOptions{HHNet: "/h", Dir: "/d", Indices: []int{0}, ExtraArgs: []string{"--time=1\n--mem=1"}}, "sbatch option"},
	} {
		if _, err := SlurmScript(tc.o); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want an error with %q", tc.o, err, tc.want)
		}
	}
}

func TestSlurmJobs(t *testing.T) {
	dir := t.TempDir()
	if jobs, err := ReadSlurmJobs(dir); err != nil || jobs != nil {
		t.Fatalf("no record: %v, %v", jobs, err)
	}
	t0 := time.Date(2026, 12, 6, 1, 0, 0, 0, time.UTC)
	AddSlurmJob(dir, SlurmJob{ID: "8", Indices: []int{3}, Submitted: t0.Add(time.Minute)})
	AddSlurmJob(dir, SlurmJob{ID: "7", Indices: []int{0, 1, 2}, Submitted: t0})
	jobs, err := ReadSlurmJobs(dir)
	if err != nil || len(jobs) != 2 || jobs[0].ID != "7" || jobs[1].ID != "8" || !reflect.DeepEqual(jobs[0].Indices, []int{0, 1, 2}) {
		t.Fatalf("jobs %+v, %v", jobs, err)
	}
	os.WriteFile(filepath.Join(dir, SlurmFile), []byte("[{"), 0o644)
	if _, err := ReadSlurmJobs(dir); err == nil || !strings.Contains(err.Error(), SlurmFile) {
		t.Errorf("damaged record: %v", err)
	}
}

func TestParseJobState(t *testing.T) {
	out := "JobId=31 ArrayJobId=30 ArrayTaskId=1 JobName=t3.sh JobState=RUNNING Reason=None Dependency=(null)\n"
	if s, err := ParseJobState(out); err != nil || s != "RUNNING" {
		t.Errorf("ParseJobState = %q, %v", s, err)
	}
	for _, bad := range []string{"", "JobState= Reason=None", "slurm_load_jobs error: Invalid job id specified"} {
		if _, err := ParseJobState(bad); err == nil {
			t.Errorf("ParseJobState(%q): no error", bad)
		}
	}
}
