package rl

import (
	"fmt"
	"math/rand/v2"

	"github.com/hhnet/hhnet/rl/mujoco"
)

// LoadAgent rebuilds a checkpoint's agent with its trained parameters.
func LoadAgent(ck *Checkpoint) (*Agent[float32], error) {
	spec := mujoco.SpecOf(ck.Config.Env)
	s := &state{cfg: ck.Config, agent: NewAgent[float32](ck.Config.Actor, spec.ObsSize, spec.ActLow, spec.ActHigh,
		ck.Config.Env == mujoco.InvertedDoublePendulum, 0, rand.New(rand.NewPCG(ck.Config.Seed, 0)))}
	ps := s.params()
	if len(ck.Params) != len(ps) || len(ck.Frozen) != len(s.agent.Actor.Frozen()) {
		return nil, fmt.Errorf("%w: %d parameter tensors, the agent has %d", ErrBadCheckpoint, len(ck.Params), len(ps))
	}
	for i, p := range ps {
		if len(ck.Params[i]) != len(p.Value) {
			return nil, fmt.Errorf("%w: %s has %d values, want %d", ErrBadCheckpoint, p.Name, len(ck.Params[i]), len(p.Value))
		}
		copy(p.Value, ck.Params[i])
	}
	for i, f := range s.agent.Actor.Frozen() {
		if len(ck.Frozen[i]) != len(f) {
			return nil, fmt.Errorf("%w: frozen tensor %d has %d values, want %d", ErrBadCheckpoint, i, len(ck.Frozen[i]), len(f))
		}
		copy(f, ck.Frozen[i])
	}
	return s.agent, nil
}

// Frame is one step of a rollout: the observation before it, the action
// taken and the environment's reward.
type Frame struct {
	Episode, Step int
	Obs           []float64
	Action        float64
	Reward        float64
}

// Rollout runs episodes deterministic episodes of agent on env (resets
// drawn from seed) and returns every step.
func Rollout(agent *Agent[float32], env *mujoco.Env, seed uint64, episodes int) ([]Frame, error) {
	spec := env.Spec()
	hist := NewReplay(spec.ObsSize, spec.MaxSteps+1)
	win := make([]float32, WindowObs*spec.ObsSize)
	action := []float64{0}
	var frames []Frame
	for e := 0; e < episodes; e++ {
		obs, err := env.Reset(rand.New(rand.NewPCG(seed, uint64(e))))
		if err != nil {
			return frames, err
		}
		*hist = Replay{ObsDim: spec.ObsSize, Capacity: spec.MaxSteps + 1}
		hist.Begin(obs)
		prev := append([]float64(nil), obs...)
		for step := 1; ; step++ {
			hist.Window(win, len(hist.Start)-1)
			action[0] = float64(agent.Act(win, true, nil))
			tr, err := env.Step(action)
			if err != nil {
				return frames, err
			}
			frames = append(frames, Frame{Episode: e + 1, Step: step, Obs: prev, Action: action[0], Reward: tr.Reward})
			prev = append([]float64(nil), tr.Obs...)
			hist.Add(action[0], 0, 0, tr.Obs)
			if tr.Terminated || tr.Truncated {
				break
			}
		}
	}
	return frames, nil
}
