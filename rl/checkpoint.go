package rl

import (
	"errors"
	"fmt"
	"math"

	"github.com/hhnet/hhnet/internal/sealed"
	"github.com/hhnet/hhnet/rl/mujoco"
)

const checkpointMagic = "HHNETRL\x01"

// ErrBadCheckpoint marks a checkpoint that is damaged, foreign or holds
// values no run writes.
var ErrBadCheckpoint = errors.New("not a valid reinforcement-learning checkpoint")

// Checkpoint is everything a run needs to continue bit for bit, in the
// middle of an episode too.
type Checkpoint struct {
	Config                     Config
	Step, Episode, EpisodeStep int
	EpisodeReturn, LastReturn  float64
	Params                     [][]float32 // actor, critic, target
	ActorM, ActorV             [][]float32
	CriticM, CriticV           [][]float32
	ActorSteps, CriticSteps    int
	Frozen                     [][]float32
	Replay                     Replay
	Streams                    [5][]byte // act, update, replay, reset, noise
	Env                        mujoco.State
	Curve                      []Point
	Evals                      []Eval
}

// WriteCheckpoint writes c to path atomically with its checksum.
func WriteCheckpoint(path string, c *Checkpoint) error { return sealed.Write(path, checkpointMagic, c) }

// ReadCheckpoint reads and validates a checkpoint; errors name the file.
func ReadCheckpoint(path string) (*Checkpoint, error) {
	return sealed.ReadFile(path, checkpointMagic, ErrBadCheckpoint, (*Checkpoint).validate)
}

// decodePayload decodes and validates the checksummed payload; the fuzz
// target calls it directly.
func decodePayload(payload []byte) (*Checkpoint, error) {
	return sealed.DecodeValid(payload, ErrBadCheckpoint, (*Checkpoint).validate)
}

func finite32(v []float32) bool {
	for _, x := range v {
		if x-x != 0 {
			return false
		}
	}
	return true
}

// validate checks every decoded field before anything uses it.
func (c *Checkpoint) validate() error {
	g := c.Config
	if g.Env != mujoco.InvertedPendulum && g.Env != mujoco.InvertedDoublePendulum || g.Actor < LIFActor || g.Actor > ANNActor ||
		g.Reward < Shaped || g.Reward > Published || g.Steps < 1 || g.EvalEvery < 0 {
		return fmt.Errorf("config %+v", g)
	}
	if c.Step < 0 || c.Step > g.Steps || c.Episode < 0 || c.EpisodeStep < 0 || c.ActorSteps < 0 || c.CriticSteps < 0 ||
		math.IsNaN(c.EpisodeReturn) || math.IsInf(c.EpisodeReturn, 0) || math.IsNaN(c.LastReturn) || math.IsInf(c.LastReturn, 0) {
		return fmt.Errorf("position: step %d, episode %d", c.Step, c.Episode)
	}
	r := &c.Replay
	spec := mujoco.SpecOf(g.Env)
	nObs := len(r.Start)
	if r.ObsDim != spec.ObsSize || r.Capacity < 1 || len(r.Obs) != nObs*r.ObsDim || nObs < 1 ||
		len(r.At) != len(r.Action) || len(r.At) != len(r.Reward) || len(r.At) != len(r.Mask) || len(r.At) != c.Step ||
		!finite32(r.Obs) || !finite32(r.Action) || !finite32(r.Reward) || !finite32(r.Mask) {
		return fmt.Errorf("replay of %d observations and %d transitions", nObs, len(r.At))
	}
	for i, s := range r.Start {
		if s < 0 || int(s) > i || r.Start[s] != s {
			return fmt.Errorf("replay observation %d starts its episode at %d", i, s)
		}
	}
	for _, a := range r.At {
		if a < 0 || int(a)+1 >= nObs {
			return fmt.Errorf("replay transition at observation %d of %d", a, nObs)
		}
	}
	if len(c.Curve) != c.Step {
		return fmt.Errorf("%d curve points at step %d", len(c.Curve), c.Step)
	}
	for _, tensors := range [][][]float32{c.Params, c.ActorM, c.ActorV, c.CriticM, c.CriticV, c.Frozen} {
		for _, t := range tensors {
			if !finite32(t) {
				return errors.New("a parameter tensor holds a NaN or infinite value")
			}
		}
	}
	return nil
}

// capture copies the run's state into a checkpoint (sharing its slices).
func (s *state) capture(env *mujoco.Env) *Checkpoint {
	c := &Checkpoint{Config: s.cfg, Step: s.step, Episode: s.episode, EpisodeStep: s.episodeStep,
		EpisodeReturn: s.episodeRet, LastReturn: s.lastReturn, Replay: *s.replay, Env: env.State(),
		Curve: s.curve, Evals: s.evals, Frozen: s.agent.Actor.Frozen()}
	for _, p := range s.params() {
		c.Params = append(c.Params, p.Value)
	}
	a := s.agent
	c.ActorM, c.ActorV, c.ActorSteps = a.actorAdam.M, a.actorAdam.V, a.actorAdam.Steps
	c.CriticM, c.CriticV, c.CriticSteps = a.criticAdam.M, a.criticAdam.V, a.criticAdam.Steps
	for i, p := range []interface{ MarshalBinary() ([]byte, error) }{s.rs.act, s.rs.update, s.rs.replay, s.rs.reset, s.rs.noise} {
		c.Streams[i], _ = p.MarshalBinary() // a PCG always marshals
	}
	return c
}

// restore loads c into a run of the same settings, checking every shape.
func (c *Checkpoint) restore(s *state, env *mujoco.Env) error {
	a, b := c.Config, s.cfg
	a.Steps, b.Steps = 0, 0
	if a != b {
		return fmt.Errorf("the checkpoint was made with other settings: %+v, now %+v", c.Config, s.cfg)
	}
	if c.Step > s.cfg.Steps {
		return fmt.Errorf("the checkpoint is at step %d, past --steps %d", c.Step, s.cfg.Steps)
	}
	ps := s.params()
	if len(c.Params) != len(ps) || len(c.ActorM) != len(s.agent.actorAdam.M) || len(c.ActorV) != len(c.ActorM) ||
		len(c.CriticM) != len(s.agent.criticAdam.M) || len(c.CriticV) != len(c.CriticM) || len(c.Frozen) != len(s.agent.Actor.Frozen()) {
		return fmt.Errorf("%w: %d parameter tensors, the agent has %d", ErrBadCheckpoint, len(c.Params), len(ps))
	}
	for i, p := range ps {
		if len(c.Params[i]) != len(p.Value) {
			return fmt.Errorf("%w: %s has %d values, want %d", ErrBadCheckpoint, p.Name, len(c.Params[i]), len(p.Value))
		}
	}
	restoreSlices := func(dst, src [][]float32) error {
		for i := range dst {
			if len(src[i]) != len(dst[i]) {
				return fmt.Errorf("%w: optimiser tensor %d has %d values, want %d", ErrBadCheckpoint, i, len(src[i]), len(dst[i]))
			}
		}
		for i := range dst {
			copy(dst[i], src[i])
		}
		return nil
	}
	ag := s.agent
	for _, pair := range [][2][][]float32{{ag.actorAdam.M, c.ActorM}, {ag.actorAdam.V, c.ActorV}, {ag.criticAdam.M, c.CriticM},
		{ag.criticAdam.V, c.CriticV}, {ag.Actor.Frozen(), c.Frozen}} {
		if err := restoreSlices(pair[0], pair[1]); err != nil {
			return err
		}
	}
	if err := env.SetState(c.Env); err != nil {
		return err
	}
	for i, p := range ps {
		copy(p.Value, c.Params[i])
	}
	ag.actorAdam.Steps, ag.criticAdam.Steps = c.ActorSteps, c.CriticSteps
	for i, p := range []interface{ UnmarshalBinary([]byte) error }{s.rs.act, s.rs.update, s.rs.replay, s.rs.reset, s.rs.noise} {
		if err := p.UnmarshalBinary(c.Streams[i]); err != nil {
			return fmt.Errorf("%w: random stream %d: %v", ErrBadCheckpoint, i, err)
		}
	}
	rep := c.Replay
	s.replay = &rep
	s.step, s.episode, s.episodeStep = c.Step, c.Episode, c.EpisodeStep
	s.episodeRet, s.lastReturn = c.EpisodeReturn, c.LastReturn
	s.curve, s.evals = c.Curve, c.Evals
	return nil
}
