package tensor

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Ranger is work over an index range that can be split: Range(lo, hi)
// must touch only what belongs to [lo, hi).
type Ranger interface {
	Range(lo, hi int)
}

// Pool runs Rangers on a fixed set of worker goroutines. Work is cut into
// blocks whose bounds depend only on the range and the grain, never on the
// number of workers, so a computation that sums within blocks gives the
// same bits whatever GOMAXPROCS is. Run allocates nothing.
//
// A nil *Pool runs everything on the calling goroutine. Use one Pool from
// one goroutine at a time.
type Pool struct {
	workers      int
	tasks        chan task
	wg           sync.WaitGroup
	pending      atomic.Int64 // helpers still draining the current Run
	next         atomic.Int64 // the next unclaimed block of the current Run
	gemm         gemmArgs     // the product in progress, see Gemm
	backendState              // what the tiled products keep between calls
}

type task struct {
	r             Ranger
	n, grain, num int
}

// NewPool starts workers−1 helper goroutines (the caller of Run is the
// last worker); workers ≤ 0 means GOMAXPROCS. Close stops them.
func NewPool(workers int) *Pool {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	p := &Pool{workers: workers, tasks: make(chan task, workers)}
	for w := 1; w < workers; w++ {
		go p.helper()
	}
	return p
}

// Workers is the number of goroutines that share each Run (1 for nil).
func (p *Pool) Workers() int {
	if p == nil {
		return 1
	}
	return p.workers
}

// Close stops the helper goroutines. The pool must not be used afterwards.
func (p *Pool) Close() {
	if p != nil {
		close(p.tasks)
	}
}

// spinTime is how long an idle helper polls for work before it parks,
// and how long Run polls for its helpers to finish before it waits on
// them. A training step is a string of splits microseconds to a few
// hundred µs apart; waking a parked thread costs 5–15 µs here, more than
// many splits' work. (Counted polls were too short: a helper that polled
// 2 000 times still parked twice per product of a read-out.)
const spinTime = 200 * time.Microsecond

// spinning reports whether a poll that began at start may go on; it reads
// the clock only every 64th poll i.
func spinning(i int, start time.Time) bool {
	return i&63 != 0 || time.Since(start) < spinTime
}

func (p *Pool) helper() {
	for {
		t, ok := p.next1()
		if !ok {
			return
		}
		p.drain(t)
		// Done before the count: when Run sees the count at zero, Wait
		// returns at once.
		p.wg.Done()
		p.pending.Add(-1)
	}
}

// next1 returns the next task, polling for a while before blocking.
func (p *Pool) next1() (task, bool) {
	start := time.Now()
	for i := 1; spinning(i, start); i++ {
		select {
		case t, ok := <-p.tasks:
			return t, ok
		default:
		}
	}
	t, ok := <-p.tasks
	return t, ok
}

// drain takes blocks until none is left.
func (p *Pool) drain(t task) {
	for {
		b := int(p.next.Add(1) - 1)
		if b >= t.num {
			return
		}
		t.r.Range(b*t.grain, min((b+1)*t.grain, t.n))
	}
}

// Run calls r.Range over [0, n) in blocks of grain indices and returns when
// all are done.
func (p *Pool) Run(r Ranger, n, grain int) {
	if n <= 0 {
		return
	}
	grain = max(grain, 1)
	num := (n + grain - 1) / grain
	if p == nil || p.workers == 1 || num == 1 {
		for b := 0; b < num; b++ {
			r.Range(b*grain, min((b+1)*grain, n))
		}
		return
	}
	t := task{r: r, n: n, grain: grain, num: num}
	p.next.Store(0)
	helpers := min(p.workers-1, num-1)
	p.wg.Add(helpers)
	p.pending.Store(int64(helpers))
	for h := 0; h < helpers; h++ {
		p.tasks <- t
	}
	p.drain(t)
	// The helpers finish their last blocks within microseconds of this
	// one: polling for that beats parking on the WaitGroup, whose wake-up
	// cost more than the work of many splits.
	start := time.Now()
	for i := 1; p.pending.Load() > 0 && spinning(i, start); i++ {
	}
	p.wg.Wait()
}
