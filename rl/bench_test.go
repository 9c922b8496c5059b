package rl

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/hhnet/hhnet/tensor"
)

// benchBatch is a batch of random windows of InvertedDoublePendulum's size.
func benchBatch(obs int, rng *rand.Rand) *Batch[float32] {
	b := &Batch[float32]{N: BatchSize}
	f := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(2*rng.Float64() - 1)
		}
		return v
	}
	b.Win, b.NextWin = f(BatchSize*WindowObs*obs), f(BatchSize*WindowObs*obs)
	b.Obs, b.NextObs = f(BatchSize*obs), f(BatchSize*obs)
	b.Action, b.Reward = f(BatchSize), f(BatchSize)
	b.Mask = make([]float32, BatchSize)
	for i := range b.Mask {
		b.Mask[i] = 1
	}
	return b
}

// benchActors runs bench for every actor on 1 and 2 workers (with 2, the
// twin networks run side by side), reporting allocations and the
// products' rate from flops, the work of one call.
func benchActors(b *testing.B, bench func(ag *Agent[float32], batch *Batch[float32], rng *rand.Rand), flops func(*Agent[float32]) float64) {
	for _, kind := range ActorKinds() {
		for _, workers := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/workers=%d", kind, workers), func(b *testing.B) {
				rng := rand.New(rand.NewPCG(1, 1))
				ag := NewAgent[float32](kind, 11, -1, 1, true, 0, rng)
				if workers > 1 {
					pool := tensor.NewPool(workers)
					defer pool.Close()
					ag.SetPool(pool)
				}
				batch := benchBatch(11, rng)
				bench(ag, batch, rng) // warm up: buffers grow once
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					bench(ag, batch, rng)
				}
				b.ReportMetric(flops(ag)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// BenchmarkUpdate is one SAC update (batch 64: both critics, the actor,
// the targets) per actor, on InvertedDoublePendulum's 11 observations.
func BenchmarkUpdate(b *testing.B) {
	benchActors(b, func(ag *Agent[float32], batch *Batch[float32], rng *rand.Rand) { ag.Update(batch, rng) },
		func(ag *Agent[float32]) float64 { return updateFlops(ag, BatchSize) })
}

// BenchmarkAct is one action selection (one window, the policy's draw).
func BenchmarkAct(b *testing.B) {
	benchActors(b, func(ag *Agent[float32], batch *Batch[float32], rng *rand.Rand) {
		ag.Act(batch.Win[:WindowObs*11], false, rng)
	}, actFlops)
}

// flops counts the multiply-adds (×2) of the networks' products: per
// sample, a Linear In→Out costs 2·In·Out forward and twice that backward.
func mlpFlops[F interface{ ~float32 | ~float64 }](m *mlp[F]) float64 {
	var f float64
	for _, l := range m.layers {
		f += 2 * float64(l.In*l.Out)
	}
	return f
}

// updateFlops is one update's product work at batch n: two actor forward
// passes and one backward, six critic-network forward passes and four
// backward.
func updateFlops(a *Agent[float32], n int) float64 {
	e := a.Actor.enc.proj
	actor := WindowObs*2*float64(e.In*e.Out) + mlpFlops(a.Actor.mean) + mlpFlops(a.Actor.logStd)
	q := mlpFlops(a.Critic.q[0])
	return float64(n) * (2*actor + 2*actor + 6*q + 4*2*q)
}

// actFlops is one action selection's product work.
func actFlops(a *Agent[float32]) float64 {
	e := a.Actor.enc.proj
	return WindowObs*2*float64(e.In*e.Out) + mlpFlops(a.Actor.mean) + mlpFlops(a.Actor.logStd)
}
