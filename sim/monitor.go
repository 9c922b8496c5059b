package sim

import "github.com/hhnet/hhnet/spike"

// SpikeMonitor records spike onsets of a group: the onset of a run of states
// above threshold whose first state is the one after n steps is reported at
// (n − Offset)·dt. It samples after every step, once the group has stepped.
type SpikeMonitor struct {
	Group  *Group
	Offset int
	Count  []int
	trains []spike.Train
	dt     float64
	bins   [][]bool // bins[i][n−1]: neuron i above after n steps; nil unless KeepBins
}

// MonitorSpikes attaches a spike monitor to g.
func (n *Network) MonitorSpikes(g *Group, offset int) *SpikeMonitor {
	n.index(g)
	m := &SpikeMonitor{Group: g, Offset: offset, Count: make([]int, g.Pop.Len()),
		trains: make([]spike.Train, g.Pop.Len()), dt: n.DT}
	n.monitors = append(n.monitors, m)
	return m
}

// KeepBins makes the monitor keep every neuron's above-threshold flag of
// every step, for bin-by-bin comparisons (Bins). Call it before stepping.
func (m *SpikeMonitor) KeepBins() {
	m.bins = make([][]bool, len(m.Count))
}

func (m *SpikeMonitor) record(step int) {
	g := m.Group
	for i, a := range g.new {
		if a && !g.old[i] {
			m.Count[i]++
			m.trains[i] = append(m.trains[i], float64(step-m.Offset)*m.dt)
		}
		if m.bins != nil {
			m.bins[i] = append(m.bins[i], a)
		}
	}
}

// Trains returns the onset times of every neuron, in ms.
func (m *SpikeMonitor) Trains() []spike.Train { return m.trains }

// Bins returns, per neuron, the flag of the state after each step
// (index n−1 for step n), or nil when KeepBins was not called.
func (m *SpikeMonitor) Bins() [][]bool { return m.bins }

// Total returns the number of spikes of all neurons.
func (m *SpikeMonitor) Total() int {
	s := 0
	for _, c := range m.Count {
		s += c
	}
	return s
}

// StateMonitor records the voltage of chosen neurons after the group has
// stepped, at the steps where step − Offset is a non-negative multiple of
// Every, so monitors with different offsets sample the same times. T holds
// (step − Offset)·dt and V is laid out [recorded neuron][sample].
type StateMonitor struct {
	Group   *Group
	Indices []int
	Every   int
	Offset  int
	T       []float64
	V       [][]float64
	dt      float64
}

// MonitorState attaches a state monitor to g that records the neurons in
// indices every `every` steps (every ≥ 1), starting with the current state
// when it falls on the grid.
func (n *Network) MonitorState(g *Group, indices []int, every, offset int) *StateMonitor {
	n.index(g)
	if every < 1 {
		panic("sim: MonitorState: every must be at least 1")
	}
	m := &StateMonitor{Group: g, Indices: indices, Every: every, Offset: offset, V: make([][]float64, len(indices)), dt: n.DT}
	m.record(n.step)
	n.monitors = append(n.monitors, m)
	return m
}

func (m *StateMonitor) sample(step int) {
	v := m.Group.Pop.Voltage()
	m.T = append(m.T, float64(step-m.Offset)*m.dt)
	for k, i := range m.Indices {
		m.V[k] = append(m.V[k], v[i])
	}
}

func (m *StateMonitor) record(step int) {
	if k := step - m.Offset; k >= 0 && k%m.Every == 0 {
		m.sample(step)
	}
}
