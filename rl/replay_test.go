package rl

import (
	"bytes"
	"encoding/gob"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/hhnet/hhnet/rl/mujoco"
)

// TestReplayWindows: each observation is stored once; windows are the
// last five of the episode, padded with its first; transitions point at
// their observation and the next.
func TestReplayWindows(t *testing.T) {
	r := NewReplay(1, 100)
	o := func(v float64) []float64 { return []float64{v} }
	r.Begin(o(10)) // episode 1: 10, 11, 12
	r.Add(1, 0.5, 1, o(11))
	r.Add(2, 0.25, 0, o(12))
	r.Begin(o(20)) // episode 2: 20 … 27
	for v := 21.0; v <= 27; v++ {
		r.Add(v, 0, 1, o(v))
	}
	if len(r.Obs) != 11 || r.Len() != 9 {
		t.Fatalf("%d observations, %d transitions; want 11, 9", len(r.Obs), r.Len())
	}
	win := make([]float32, WindowObs)
	for _, tc := range []struct {
		at   int
		want []float32
	}{
		{0, []float32{10, 10, 10, 10, 10}},
		{2, []float32{10, 10, 10, 11, 12}},
		{3, []float32{20, 20, 20, 20, 20}},
		{5, []float32{20, 20, 20, 21, 22}},
		{10, []float32{23, 24, 25, 26, 27}},
	} {
		r.Window(win, tc.at)
		if !slices.Equal(win, tc.want) {
			t.Errorf("window at %d: %v, want %v", tc.at, win, tc.want)
		}
	}
	var b Batch[float32]
	r.Sample(&b, 200, rand.New(rand.NewPCG(1, 1)))
	for k := 0; k < b.N; k++ {
		cur, next := b.Win[k*WindowObs:(k+1)*WindowObs], b.NextWin[k*WindowObs:(k+1)*WindowObs]
		if b.Obs[k] != cur[WindowObs-1] || b.NextObs[k] != next[WindowObs-1] || next[WindowObs-1] != cur[WindowObs-1]+1 {
			t.Fatalf("sample %d: window %v, next %v, obs %v → %v", k, cur, next, b.Obs[k], b.NextObs[k])
		}
		if next[WindowObs-1] == 12 && (b.Mask[k] != 0 || b.Reward[k] != 0.25 || b.Action[k] != 2) {
			t.Fatalf("the terminal transition: action %v reward %v mask %v", b.Action[k], b.Reward[k], b.Mask[k])
		}
	}
	// With capacity 3 only the three most recent transitions are drawn.
	r.Capacity = 3
	r.Sample(&b, 50, rand.New(rand.NewPCG(2, 2)))
	for _, v := range b.NextObs[:b.N] {
		if v < 25 {
			t.Fatalf("capacity 3 drew the transition to %v", v)
		}
	}
}

// TestShapedReward pins the shaping against hand-computed values.
func TestShapedReward(t *testing.T) {
	ip, idp := mujoco.InvertedPendulum, mujoco.InvertedDoublePendulum
	for _, tc := range []struct {
		kind                  mujoco.Kind
		mode                  RewardMode
		obs                   []float64
		terminated, truncated bool
		want                  float64
	}{
		{ip, Shaped, []float64{0, 0, 0, 0}, false, false, 10},
		{ip, Shaped, []float64{0.5, 0.209, 3, 0}, false, false, 0 + 0},
		{ip, Shaped, []float64{-2, 0.5, 0, 0}, true, false, -5 - 5 - 10},
		{ip, Shaped, []float64{0, 0, 0, 0}, false, true, 10},
		{ip, Published, []float64{0, 0, 0.209, 0}, false, true, 5 + 0 - 10}, // the velocity slot, −10 at truncation
		{idp, Shaped, []float64{1, 0.209, 0.05, 1, 1, 0, 0, 0, 0, 0, 0}, false, false, 0 + 0 + 0},
		{idp, Shaped, []float64{0, 0, 0.2, 1, 1, 0, 0, 0, 0, 0, 0}, true, false, 5 + 5 - 5 - 10},
	} {
		if got := ShapedReward(tc.kind, tc.mode, tc.obs, tc.terminated, tc.truncated); !close(got, tc.want) {
			t.Errorf("%s %s %v: %v, want %v", tc.kind, tc.mode, tc.obs, got, tc.want)
		}
	}
}

func close(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

func validCheckpoint() *Checkpoint {
	r := NewReplay(4, 10)
	r.Begin([]float64{1, 2, 3, 4})
	r.Add(0.5, 1, 1, []float64{2, 3, 4, 5})
	return &Checkpoint{
		Config: Config{Env: mujoco.InvertedPendulum, Actor: LIFActor, Steps: 5, Seed: 1, EvalEvery: 2},
		Step:   1, Replay: *r, Curve: []Point{{Step: 1, Episode: 1, Shaped: 1, Env: 1}},
		Params: [][]float32{{1, 2}}, ActorM: [][]float32{{0}}, ActorV: [][]float32{{0}},
	}
}

// FuzzDecodeCheckpoint fuzzes the decoder and the validation behind the
// checksum: no input panics; what decodes has a consistent replay.
func FuzzDecodeCheckpoint(f *testing.F) {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(validCheckpoint()); err != nil {
		f.Fatal(err)
	}
	if _, err := decodePayload(buf.Bytes()); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := decodePayload(b)
		if err != nil {
			if !errors.Is(err, ErrBadCheckpoint) {
				t.Fatalf("error %v does not wrap ErrBadCheckpoint", err)
			}
			return
		}
		r := &c.Replay
		win := make([]float32, WindowObs*r.ObsDim)
		for i := range r.Start {
			r.Window(win, i) // must not panic
		}
		if len(r.At) > 0 {
			var batch Batch[float32]
			r.Sample(&batch, 3, rand.New(rand.NewPCG(1, 1)))
		}
	})
}
