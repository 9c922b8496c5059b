package rl

import (
	"math/rand/v2"
)

// Replay is SAC's uniform replay. Each observation is stored once, in
// episode order; a transition refers to its observation by index (the
// next one follows it), and windows are rebuilt from the indices, padded
// at an episode's start with its first observation.
type Replay struct {
	ObsDim   int
	Capacity int       // transitions sampled from: the most recent Capacity
	Obs      []float32 // every stored observation, [len][ObsDim]
	Start    []int32   // per observation: the index of its episode's first
	At       []int32   // per transition: the index of its observation
	Action   []float32
	Reward   []float32
	Mask     []float32
}

// NewReplay returns an empty replay of the given capacity.
func NewReplay(obsDim, capacity int) *Replay { return &Replay{ObsDim: obsDim, Capacity: capacity} }

// Len is the number of transitions sampled from.
func (r *Replay) Len() int { return min(len(r.At), r.Capacity) }

// Begin stores an episode's first observation.
func (r *Replay) Begin(obs []float64) {
	r.Start = append(r.Start, int32(len(r.Start)))
	r.appendObs(obs)
}

func (r *Replay) appendObs(obs []float64) {
	for _, v := range obs[:r.ObsDim] {
		r.Obs = append(r.Obs, float32(v))
	}
}

// Add stores a transition from the last stored observation: the action,
// the reward, the TD mask and the next observation.
func (r *Replay) Add(action, reward, mask float64, next []float64) {
	cur := int32(len(r.Start) - 1)
	r.At = append(r.At, cur)
	r.Action = append(r.Action, float32(action))
	r.Reward = append(r.Reward, float32(reward))
	r.Mask = append(r.Mask, float32(mask))
	r.Start = append(r.Start, r.Start[cur])
	r.appendObs(next)
}

// Window writes the window ending at observation i into dst
// [WindowObs][ObsDim]: the last WindowObs observations of its episode,
// the episode's first repeated where there are fewer.
func (r *Replay) Window(dst []float32, i int) {
	s, n := int(r.Start[i]), r.ObsDim
	for k := 0; k < WindowObs; k++ {
		j := max(i-(WindowObs-1)+k, s)
		copy(dst[k*n:(k+1)*n], r.Obs[j*n:(j+1)*n])
	}
}

// Sample fills b with n transitions drawn uniformly by rng.
func (r *Replay) Sample(b *Batch[float32], n int, rng *rand.Rand) {
	d := r.ObsDim
	w := WindowObs * d
	b.N = n
	b.Win, b.NextWin = grown(b.Win, n*w), grown(b.NextWin, n*w)
	b.Obs, b.NextObs = grown(b.Obs, n*d), grown(b.NextObs, n*d)
	b.Action, b.Reward, b.Mask = grown(b.Action, n), grown(b.Reward, n), grown(b.Mask, n)
	first := len(r.At) - r.Len()
	for k := 0; k < n; k++ {
		t := first + rng.IntN(r.Len())
		i := int(r.At[t])
		r.Window(b.Win[k*w:(k+1)*w], i)
		r.Window(b.NextWin[k*w:(k+1)*w], i+1)
		copy(b.Obs[k*d:(k+1)*d], r.Obs[i*d:(i+1)*d])
		copy(b.NextObs[k*d:(k+1)*d], r.Obs[(i+1)*d:(i+2)*d])
		b.Action[k], b.Reward[k], b.Mask[k] = r.Action[t], r.Reward[t], r.Mask[t]
	}
}
