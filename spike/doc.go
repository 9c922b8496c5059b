// Package spike holds spike trains — onset times in ms, one slice per neuron —
// and the metrics that compare them: the study's mean-ISI difference and
// spike-time error, bin agreement, and the count-robust van Rossum distance
// and coincidence factor for trains whose spike counts differ.
package spike
