package sim

import (
	"fmt"
	"math"
	"runtime"
	"sync/atomic"
)

// Drive writes a group's time-varying external current for the step that
// takes the state from step−1 to step (step = 1, 2, …) into dst, which
// holds the group's bias already: add to it.
type Drive func(step int, dst []float64)

// Group is a named population in a Network with its spike threshold.
type Group struct {
	Name      string
	Pop       Population
	Threshold float64   // a neuron is "above" while Voltage > Threshold
	Bias      []float64 // constant input current; nil for none
	Drive     Drive     // optional time-varying input

	in       []*Connection
	old, new []bool // flags before and after the current step
}

// Above returns the flags of the group's current state (V > Threshold).
// The slice is the network's; do not modify it.
func (g *Group) Above() []bool { return g.new }

// Connection is a dense weight matrix from the flags of Src to the input of
// Dst: Dst receives Σ_i W[i][j]·flag_i in neuron j.
type Connection struct {
	Src, Dst *Group
	W        [][]float64 // Src.Len() rows × Dst.Len() columns
	// Delay is 1 (the default from Connect) to read Src's flags of the old
	// state, or 0 to read its flags after this step's update.
	Delay int
}

// Network is a set of groups, connections and monitors advanced together.
// Its zero value is not usable; make one with NewNetwork.
type Network struct {
	DT float64 // ms
	// Serial keeps every step on the calling goroutine. By default large
	// populations are split across two goroutines when GOMAXPROCS > 1;
	// results are identical either way.
	Serial   bool
	helper   *helper
	half     halfStep
	groups   []*Group
	monitors []monitor
	step     int
}

type monitor interface {
	record(step int)
}

// NewNetwork returns an empty network with step dt ms.
func NewNetwork(dt float64) *Network {
	if !(dt > 0) || math.IsInf(dt, 1) {
		panic(fmt.Sprintf("sim: NewNetwork: dt = %v, want a positive finite step", dt))
	}
	return &Network{DT: dt}
}

// Add puts a population into the network under name and returns its group.
func (n *Network) Add(name string, p Population, threshold float64) *Group {
	g := &Group{Name: name, Pop: p, Threshold: threshold,
		old: make([]bool, p.Len()), new: make([]bool, p.Len())}
	g.refreshFlags()
	n.groups = append(n.groups, g)
	return g
}

func (g *Group) refreshFlags() {
	for i, v := range g.Pop.Voltage() {
		g.new[i] = v > g.Threshold
	}
}

// Connect adds a dense connection from src's flags of the old state to dst's
// input; w has src.Len() rows of dst.Len() weights.
func (n *Network) Connect(src, dst *Group, w [][]float64) *Connection {
	return n.connect(src, dst, w, 1)
}

// ConnectSameStep adds a connection that reads src's flags after this step's
// update; src must have been added before dst.
func (n *Network) ConnectSameStep(src, dst *Group, w [][]float64) *Connection {
	if n.index(src) >= n.index(dst) {
		panic("sim: ConnectSameStep: the source group must be added before the target")
	}
	return n.connect(src, dst, w, 0)
}

func (n *Network) index(g *Group) int {
	for i, h := range n.groups {
		if h == g {
			return i
		}
	}
	panic("sim: group " + g.Name + " is not in this network")
}

func (n *Network) connect(src, dst *Group, w [][]float64, delay int) *Connection {
	n.index(src)
	n.index(dst)
	if len(w) != src.Pop.Len() {
		panic(fmt.Sprintf("sim: Connect %s→%s: %d weight rows, want %d", src.Name, dst.Name, len(w), src.Pop.Len()))
	}
	for i, row := range w {
		if len(row) != dst.Pop.Len() {
			panic(fmt.Sprintf("sim: Connect %s→%s: row %d has %d weights, want %d", src.Name, dst.Name, i, len(row), dst.Pop.Len()))
		}
	}
	c := &Connection{Src: src, Dst: dst, W: w, Delay: delay}
	dst.in = append(dst.in, c)
	return c
}

// Steps returns how many steps the network has taken.
func (n *Network) Steps() int { return n.step }

// Step advances the network by one step of DT (see the package doc for the
// order of events).
func (n *Network) Step() {
	for _, g := range n.groups {
		g.old, g.new = g.new, g.old
	}
	for _, g := range n.groups {
		if s, ok := g.Pop.(snapshotter); ok {
			s.snapshot()
		}
	}
	step := n.step + 1
	for _, g := range n.groups {
		in := g.Pop.Input()
		if g.Bias != nil {
			copy(in, g.Bias)
		} else {
			clear(in)
		}
		if g.Drive != nil {
			g.Drive(step, in)
		}
		for _, c := range g.in {
			flags := c.Src.old
			if c.Delay == 0 {
				flags = c.Src.new
			}
			// Flags are sparse: add only the rows of neurons that are above.
			for i, f := range flags {
				if f {
					for j, w := range c.W[i] {
						in[j] += w
					}
				}
			}
		}
		n.stepGroup(g)
		g.refreshFlags()
	}
	n.step = step
	for _, m := range n.monitors {
		m.record(step)
	}
}

// parallelMin is the population size from which a group's step is split
// across two goroutines: below it the hand-off costs more than it saves.
const parallelMin = 64

// helper is a second goroutine that Run keeps spinning for the length of a
// run, so that handing it half of a population costs well under a
// microsecond (waking a parked goroutine costs several, as much as the work).
type helper struct {
	job  atomic.Pointer[halfStep]
	done atomic.Bool
	stop atomic.Bool
}

type halfStep struct {
	rs     rangeStepper
	dt     float64
	lo, hi int
	ok     bool
}

func (h *helper) loop() {
	for spins := 0; !h.stop.Load(); spins++ {
		// Claim the job before running it: the caller may take it back.
		if j := h.job.Load(); j != nil && h.job.CompareAndSwap(j, nil) {
			j.ok = j.rs.stepRange(j.dt, j.lo, j.hi)
			h.done.Store(true)
			spins = 0
		} else if spins%1024 == 1023 {
			runtime.Gosched()
		}
	}
}

// stepGroup steps g, splitting large range-steppable populations in two
// halves run concurrently when Run has a helper. Each neuron is updated by
// exactly the same arithmetic either way, so results do not depend on it.
func (n *Network) stepGroup(g *Group) {
	rs, ok := g.Pop.(rangeStepper)
	size := g.Pop.Len()
	if !ok || n.helper == nil || size < parallelMin {
		g.Pop.Step(n.DT)
		return
	}
	mid := size / 2
	j := &n.half
	*j = halfStep{rs: rs, dt: n.DT, lo: mid, hi: size}
	n.helper.done.Store(false)
	n.helper.job.Store(j)
	ok = rs.stepRange(n.DT, 0, mid)
	if n.helper.job.CompareAndSwap(j, nil) {
		// The helper has not started (its thread is descheduled, say when
		// other processes load the machine): do the half here, not wait.
		j.ok = rs.stepRange(n.DT, mid, size)
	} else {
		for !n.helper.done.Load() {
		}
	}
	if !ok || !j.ok { // not splittable this step: nothing was done
		g.Pop.Step(n.DT)
	}
}

// Run takes steps steps. Unless Serial is set or GOMAXPROCS is 1, it keeps a
// helper goroutine busy for the run to share the work of large populations.
func (n *Network) Run(steps int) {
	if !n.Serial && runtime.GOMAXPROCS(0) > 1 && steps > 1 && n.hasLargeGroup() {
		n.helper = &helper{}
		go n.helper.loop()
		defer func() {
			n.helper.stop.Store(true)
			n.helper = nil
		}()
	}
	for range steps {
		n.Step()
	}
}

func (n *Network) hasLargeGroup() bool {
	for _, g := range n.groups {
		if _, ok := g.Pop.(rangeStepper); ok && g.Pop.Len() >= parallelMin {
			return true
		}
	}
	return false
}
