package rl

import (
	"fmt"
	"math"

	"github.com/hhnet/hhnet/rl/mujoco"
)

// RewardMode chooses the reward stored in replay and logged in the curve.
type RewardMode int

const (
	// Shaped is the study's shaping with its two defects fixed: the pole
	// angle taken from the right observation, −10 on termination only.
	Shaped RewardMode = iota
	// EnvReward is the environment's own reward.
	EnvReward
	// Published reproduces the published shaping exactly: InvertedPendulum's
	// angle term reads obs[2] (the cart's velocity), and −10 is added at the
	// 1000-step truncation too.
	Published
)

// ParseReward maps shaped, env and published to their mode.
func ParseReward(s string) (RewardMode, error) {
	switch s {
	case "shaped":
		return Shaped, nil
	case "env":
		return EnvReward, nil
	case "published":
		return Published, nil
	}
	return 0, fmt.Errorf("unknown reward %q (want shaped, env or published)", s)
}

// String is the command line's name.
func (m RewardMode) String() string { return [...]string{"shaped", "env", "published"}[m] }

// linearPenalty is 5 − 10·|v|/bound, or −5 beyond the bound.
func linearPenalty(v, bound float64) float64 {
	if math.Abs(v) > bound {
		return -5
	}
	return 5 - 10*math.Abs(v)/bound
}

// ShapedReward is the study's shaped reward of one step (docs/model.md
// §8) from the observation after it: the cart's position term, the pole
// angle's term (IP's angle; IDP's sin θ₁) and, for IDP, the second
// hinge's (sin θ₂), −10 more when the episode ended.
func ShapedReward(kind mujoco.Kind, mode RewardMode, obs []float64, terminated, truncated bool) float64 {
	xBound, angle := 1.0, obs[1]
	if kind == mujoco.InvertedDoublePendulum {
		xBound = 2
	} else if mode == Published {
		angle = obs[2] // the published code's slot: the cart's velocity
	}
	r := linearPenalty(obs[0], xBound) + linearPenalty(angle, 0.418)
	if kind == mujoco.InvertedDoublePendulum {
		r += linearPenalty(obs[2], 0.1)
	}
	if terminated || mode == Published && truncated {
		r -= 10
	}
	return r
}
