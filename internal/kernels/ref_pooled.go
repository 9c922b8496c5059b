//go:build !amd64 || purego

package kernels

// The pooled row kernels run the 4·half neurons under one row of half
// pooled outputs: neuron q of pooled column x is in map row 2y + q/2 (in0
// or in1, or dIn0 or dIn1) at column 2x + q mod 2. Forward, each step's
// pooled value is the sum of the four spikes, in q order, times 1/4;
// backward, each neuron's input gradient is Σ_t dPooled_t/4 · ∂spike_t/∂x.

// pooledInput is neuron q of pooled column x's place in its map row.
func pooledInput(x, q int) int { return 2*x + q%2 }

// pooledPut adds spike sp of neuron q to the pooled output x of row p.
func pooledPut(p []float32, x, q int, sp float32) {
	if q == 0 {
		p[x] = sp
	} else {
		p[x] += sp
	}
}

// pooledQuarter scales pooled column x of every step's row by 1/4.
func pooledQuarter(out []uintptr, half, x int) {
	for _, a := range out {
		at(a, half)[x] *= 0.25
	}
}

// PooledLIFForward runs one pooled row of package nn's Pooled LIF forward.
func PooledLIFForward(d, th float32, steps int, in0, in1 *float32, half int, out *uintptr) {
	ins, outs := [2][]float32{row(in0, 0, 2*half), row(in1, 0, 2*half)}, rows(out, steps)
	for x := range half {
		for q := range 4 {
			u := ins[q/2][pooledInput(x, q)]
			var m, sp float32
			for _, a := range outs {
				m = d*m*(1-sp) + u
				sp = above(m, th)
				pooledPut(at(a, half), x, q, sp)
			}
		}
		pooledQuarter(outs, half, x)
	}
}

// PooledLIFBackward runs one pooled row of the Pooled LIF backward
// (forward replay with ∂m/∂x).
func PooledLIFBackward(d, th, lens float32, steps int, in0, in1, dIn0, dIn1 *float32, half int, dp *uintptr) {
	ins := [2][]float32{row(in0, 0, 2*half), row(in1, 0, 2*half)}
	dIns, dps := [2][]float32{row(dIn0, 0, 2*half), row(dIn1, 0, 2*half)}, rows(dp, steps)
	for x := range half {
		for q := range 4 {
			u := ins[q/2][pooledInput(x, q)]
			var m, sp, dm, grad float32
			for _, a := range dps {
				dm = d*(dm*(1-sp)-m*within(m-th, lens)*dm) + 1
				m = d*m*(1-sp) + u
				sp = above(m, th)
				ds := within(m-th, lens) * dm
				grad += at(a, half)[x] * 0.25 * ds
			}
			dIns[q/2][pooledInput(x, q)] = grad
		}
	}
}

// PooledStepForward runs one pooled row of the Pooled binary unit.
func PooledStepForward(th float32, steps int, in0, in1 *float32, half int, out *uintptr) {
	ins, outs := [2][]float32{row(in0, 0, 2*half), row(in1, 0, 2*half)}, rows(out, steps)
	for x := range half {
		for q := range 4 {
			sp := above(max(ins[q/2][pooledInput(x, q)], 0), th)
			for _, a := range outs {
				pooledPut(at(a, half), x, q, sp)
			}
		}
		pooledQuarter(outs, half, x)
	}
}

// PooledStepBackward runs one pooled row of the Pooled binary unit's
// backward.
func PooledStepBackward(th, lens float32, steps int, in0, in1, dIn0, dIn1 *float32, half int, dp *uintptr) {
	ins := [2][]float32{row(in0, 0, 2*half), row(in1, 0, 2*half)}
	dIns, dps := [2][]float32{row(dIn0, 0, 2*half), row(dIn1, 0, 2*half)}, rows(dp, steps)
	for x := range half {
		for q := range 4 {
			u := ins[q/2][pooledInput(x, q)]
			ds := above(u, 0) * within(u-th, lens)
			var grad float32
			for _, a := range dps {
				grad += at(a, half)[x] * 0.25 * ds
			}
			dIns[q/2][pooledInput(x, q)] = grad
		}
	}
}

// PooledHHForward runs one pooled row of package nn's Pooled HH forward;
// leak and drive are the [t][parity][half] tables.
func PooledHHForward(dt, th float32, steps int, in0, in1 *float32, half int, leak, drive *float32, out *uintptr) {
	ins, outs := [2][]float32{row(in0, 0, 2*half), row(in1, 0, 2*half)}, rows(out, steps)
	L, D := row(leak, 0, steps*2*half), row(drive, 0, steps*2*half)
	for x := range half {
		for q := range 4 {
			u := ins[q/2][pooledInput(x, q)]
			var v float32
			for t, a := range outs {
				c := t*2*half + (q%2)*half + x
				v = v*L[c] + dt*u + D[c]
				pooledPut(at(a, half), x, q, above(v, th))
			}
		}
		pooledQuarter(outs, half, x)
	}
}

// PooledHHBackward runs one pooled row of the Pooled HH backward.
func PooledHHBackward(dt, th, lens float32, detach bool, steps int, in0, in1, dIn0, dIn1 *float32, half int, leak, drive *float32, dp *uintptr) {
	ins := [2][]float32{row(in0, 0, 2*half), row(in1, 0, 2*half)}
	dIns, dps := [2][]float32{row(dIn0, 0, 2*half), row(dIn1, 0, 2*half)}, rows(dp, steps)
	L, D := row(leak, 0, steps*2*half), row(drive, 0, steps*2*half)
	for x := range half {
		for q := range 4 {
			u := ins[q/2][pooledInput(x, q)]
			var v, dv, grad float32
			for t, a := range dps {
				c := t*2*half + (q%2)*half + x
				v = v*L[c] + dt*u + D[c]
				if detach {
					dv += dt
				} else {
					dv = dv*L[c] + dt
				}
				ds := within(v-th, lens) * dv
				grad += at(a, half)[x] * 0.25 * ds
			}
			dIns[q/2][pooledInput(x, q)] = grad
		}
	}
}

// PooledSLIFForward runs one pooled row of package nn's Pooled s-LIF2HH
// forward: input k of a neuron is size values after input k − 1, and map
// row 2y + 1 side values after row 2y.
func PooledSLIFForward(d, th float32, steps int, mix *[4]float32, in0 *float32, size, side, half int, out *uintptr) {
	outs := rows(out, steps)
	w0, w1, w2, b := mix[0], mix[1], mix[2], mix[3]
	for x := range half {
		for q := range 4 {
			var u [3]float32
			for k := range u {
				u[k] = row(in0, k*size+(q/2)*side+pooledInput(x, q), 1)[0]
			}
			var m, sp [4]float32
			for _, a := range outs {
				m4 := d*m[3]*(1-sp[3]) + w0*m[0] + w1*m[1] + w2*m[2] + b
				for k := range 3 {
					m[k] = d*m[k]*(1-sp[k]) + u[k]
				}
				m[3] = m4
				for k := range m {
					sp[k] = above(m[k], th)
				}
				pooledPut(at(a, half), x, q, sp[0]+sp[1]+sp[2]+sp[3])
			}
		}
		pooledQuarter(outs, half, x)
	}
}

// PooledSLIFBackward runs one pooled row of the Pooled s-LIF2HH backward.
// The row goes in blocks of eight pooled columns (from 0, 8, …, the last
// at half − 8), each of four chains of eight neurons (map row, then column
// parity); mixOut receives each chain's 32 sums, the mixing gradient of its
// neurons by weight (w₁, w₂, w₃, b) and lane.
func PooledSLIFBackward(d, th, lens float32, steps int, mix *[4]float32, in0, dIn0 *float32, size, side, half int, dp *uintptr, mixOut *float32) {
	dps := rows(dp, steps)
	w0, w1, w2, b := mix[0], mix[1], mix[2], mix[3]
	wk := [3]float32{w0, w1, w2}
	chain := 0
	for end := 0; end < half; end += 8 {
		x0 := min(end, half-8)
		for q := range 4 {
			sums := row(mixOut, 32*chain, 32)
			chain++
			for j := range 8 {
				x := x0 + j
				off := (q/2)*side + pooledInput(x, q)
				var u [3]float32
				for k := range u {
					u[k] = row(in0, k*size+off, 1)[0]
				}
				var m, sp [4]float32
				var a, c, e, dIn [3]float32
				var f float32
				var dMix [4]float32
				for _, ap := range dps {
					r3 := m[3] * within(m[3]-th, lens)
					for k := range 3 {
						c[k] = d*(c[k]*(1-sp[3])-r3*c[k]) + wk[k]*a[k]
						e[k] = d*(e[k]*(1-sp[3])-r3*e[k]) + m[k]
						a[k] = d*(a[k]*(1-sp[k])-m[k]*within(m[k]-th, lens)*a[k]) + 1
					}
					f = d*(f*(1-sp[3])-r3*f) + 1
					m4 := d*m[3]*(1-sp[3]) + w0*m[0] + w1*m[1] + w2*m[2] + b
					for k := range 3 {
						m[k] = d*m[k]*(1-sp[k]) + u[k]
					}
					m[3] = m4
					for k := range m {
						sp[k] = above(m[k], th)
					}
					ds := at(ap, half)[x] * 0.25
					g3 := ds * within(m[3]-th, lens)
					for k := range 3 {
						dIn[k] += ds*within(m[k]-th, lens)*a[k] + g3*c[k]
						dMix[k] += g3 * e[k]
					}
					dMix[3] += g3 * f
				}
				for k := range dIn {
					row(dIn0, k*size+off, 1)[0] = dIn[k]
				}
				for k := range dMix {
					sums[8*k+j] = dMix[k]
				}
			}
		}
	}
}
