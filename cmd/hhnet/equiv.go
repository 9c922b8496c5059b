package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hhnet/hhnet"
	"github.com/hhnet/hhnet/neuron"
	"github.com/hhnet/hhnet/report"
	"github.com/hhnet/hhnet/sim"
)

type equivOptions struct {
	Out         io.Writer
	Experiments []string // xor, fc, signals; all when none named
	Signal      string   // one stimulus of the signals experiment; "" = all
	Variant     string   // paper | exact
	Method      string   // euler | euler-fast | rk4 | rush-larsen
	DT          float64  // ms; 0 = the paper's
	Standalone  bool
	Weights     string // folder with a network of the paper's layout; "" = the study's, embedded
	Random      bool   // seeded random weights instead of the study's
	Seed        uint64
	OutDir      string
	OutSet      bool // --out given (with --json, files are written only then)
	dtSet       bool // --dt given: then 0 is an error, not "the paper's"
	JSON        bool
	NPY         bool
	Scales      []float64 // signals: run each stimulus as s·x(t) for each s
}

var experimentNames = []string{"xor", "fc", "signals"}

func newEquivCmd(runF func(context.Context, *equivOptions) error) *cobra.Command {
	opts := &equivOptions{}
	cmd := &cobra.Command{
		Use:   "equiv [{xor | fc | signals}] [flags]",
		Short: "Run the HH ⇄ tv-LIF2HH / s-LIF2HH equivalence experiments",
		Long: `Run the study's equivalence experiments (docs/model.md §3) and write their
spike trains, metrics and figures.

  xor      HH XOR network and its tv-LIF2HH twin, all four input cases
  fc       784–128–10 fully connected HH network and its tv-LIF2HH twin
  signals  two-layer HH vs s-LIF2HH under five stimuli

With no experiment named, all three run. Files go to --out (default
out/equiv): summary.json, CSV spike trains, PNG figures, and .npy trains
with --npy. With --json, one JSON document per experiment is printed on
stdout (an array when none is named) and files are written only if --out
is given. Defaults reproduce the paper.`,
		Example: `  hhnet equiv
  hhnet equiv fc --json
  hhnet equiv fc --random --seed 3
  hhnet equiv xor --variant exact --standalone
  hhnet equiv signals --signal sine --method rk4 --dt 0.01`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usagef("equiv takes at most one experiment, got %d (%v)", len(args), args)
			}
			for _, a := range args {
				if !slices.Contains(experimentNames, a) {
					return usagef("unknown experiment %q (want xor, fc or signals)", a)
				}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Out = cmd.OutOrStdout()
			opts.Experiments = args
			opts.OutSet = cmd.Flags().Changed("out")
			opts.dtSet = cmd.Flags().Changed("dt")
			if err := opts.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runEquiv(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Signal, "signal", "", "run only this stimulus of the signals experiment: const, sine, square, sawtooth or triangle")
	f.StringVar(&opts.Variant, "variant", "paper", "tv-LIF2HH discretisation: paper or exact")
	f.StringVar(&opts.Method, "method", "euler", "HH integrator: euler (the paper's, exact kernel), euler-fast, rk4 or rush-larsen")
	f.Float64Var(&opts.DT, "dt", 0, "HH time step in ms (default: the paper's, 0.001)")
	f.BoolVar(&opts.Standalone, "standalone", false, "run each tv-LIF2HH neuron on its own gating variables, not its HH twin's")
	f.StringVar(&opts.Weights, "weights", "", "`DIR` holding an fc network in the study's layout (W01_784x128.csv, W12_128x10.csv, image_flat_colmajor_784.csv, each plain or .gz); default: the study's own, built in")
	f.BoolVar(&opts.Random, "random", false, "run the fc experiment on seeded random weights and a generated image instead")
	f.Uint64Var(&opts.Seed, "seed", 1, "seed of the random fc network (with --random)")
	f.StringVar(&opts.OutDir, "out", filepath.Join("out", "equiv"), "`DIR` for summary.json, CSV trains and figures")
	f.BoolVar(&opts.JSON, "json", false, "print the results as JSON on stdout")
	f.BoolVar(&opts.NPY, "npy", false, "also write spike trains as NumPy .npy files")
	f.Float64SliceVar(&opts.Scales, "scales", nil, "signals only: run every stimulus as s·x(t) for each scale s (e.g. 0.6,0.8,1,1.2,1.4); writes signals_scales.csv and .png")
	return cmd
}

func (o *equivOptions) validate() error {
	if _, err := neuron.ParseConstruction(o.Variant); err != nil {
		return &usageError{fmt.Errorf("--variant: %w", err)}
	}
	switch o.Method {
	case "euler", "euler-fast", "rk4", "rush-larsen":
	default:
		return usagef("--method: unknown integration method %q (want euler, euler-fast, rk4 or rush-larsen)", o.Method)
	}
	if o.dtSet && !(o.DT > 0) || math.IsInf(o.DT, 0) {
		return usagef("--dt: %v ms is not a positive step", o.DT)
	}
	if o.DT > 1 {
		return usagef("--dt: %v ms is too coarse for HH dynamics (at most 1 ms)", o.DT)
	}
	if o.Random && o.Weights != "" {
		return usagef("--random and --weights exclude each other: give one")
	}
	if len(o.Scales) > 0 {
		if len(o.Experiments) != 1 || o.Experiments[0] != "signals" {
			return usagef("--scales applies to the signals experiment: hhnet equiv signals --scales …")
		}
		for _, k := range o.Scales {
			if !(k > 0) || math.IsInf(k, 0) {
				return usagef("--scales: %v is not a positive scale", k)
			}
		}
	}
	if o.Signal != "" {
		if _, err := sim.StimulusByName(o.Signal); err != nil {
			return &usageError{fmt.Errorf("--signal: %w", err)}
		}
		if len(o.Experiments) == 1 && o.Experiments[0] != "signals" {
			return usagef("--signal applies to the signals experiment, not %s", o.Experiments[0])
		}
	}
	return nil
}

func (o *equivOptions) settings() sim.Settings {
	v, _ := neuron.ParseConstruction(o.Variant)
	return sim.Settings{DT: o.DT, Construction: v, Method: o.Method, Standalone: o.Standalone}
}

// equivRun is one finished experiment: its document and how to draw it.
type equivRun struct {
	doc     *sim.Document
	figures func(dir string) error
}

func runEquiv(ctx context.Context, opts *equivOptions) error {
	if len(opts.Scales) > 0 {
		return runEquivScales(opts)
	}
	names := opts.Experiments
	if len(names) == 0 {
		names = experimentNames
	}
	s := opts.settings()
	var runs []equivRun
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("interrupted before %s; nothing written", name)
		}
		r, err := runExperiment(name, s, opts)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		runs = append(runs, r)
	}
	if !opts.JSON || opts.OutSet {
		if err := writeEquivFiles(opts, runs); err != nil {
			return err
		}
	}
	if opts.JSON {
		var v any = runs[0].doc
		if len(opts.Experiments) == 0 {
			docs := make([]*sim.Document, len(runs))
			for i, r := range runs {
				docs[i] = r.doc
			}
			v = docs
		}
		enc := json.NewEncoder(opts.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	for _, r := range runs {
		fmt.Fprintln(opts.Out, summaryLine(r.doc))
	}
	fmt.Fprintf(opts.Out, "wrote %s\n", opts.OutDir)
	return nil
}

func runExperiment(name string, s sim.Settings, opts *equivOptions) (equivRun, error) {
	switch name {
	case "xor":
		r, err := sim.RunXOR(s)
		if err != nil {
			return equivRun{}, err
		}
		return equivRun{doc: r.Document(), figures: func(dir string) error { return xorFigures(dir, r) }}, nil
	case "fc":
		data, err := fcNetwork(opts)
		if err != nil {
			return equivRun{}, err
		}
		r, err := sim.RunFC(s, data)
		if err != nil {
			return equivRun{}, err
		}
		return equivRun{doc: r.Document(), figures: func(dir string) error { return fcFigures(dir, r) }}, nil
	default:
		var sigs []string
		if opts.Signal != "" {
			sigs = []string{opts.Signal}
		}
		rs, err := sim.RunSignals(s, sigs...)
		if err != nil {
			return equivRun{}, err
		}
		return equivRun{doc: sim.SignalsDocument(s, rs), figures: func(dir string) error { return signalFigures(dir, rs) }}, nil
	}
}

// fcNetwork is the fc experiment's network: the study's (built into the
// binary), a folder given by --weights, or seeded random weights.
func fcNetwork(opts *equivOptions) (*sim.FCData, error) {
	switch {
	case opts.Random:
		return sim.RandomFC(opts.Seed), nil
	case opts.Weights != "":
		return sim.LoadFC(opts.Weights)
	}
	return sim.LoadFCFS(hhnet.PaperFCNetwork(), "the study's network (built in, "+hhnet.PaperFCDir+")")
}

func summaryLine(d *sim.Document) string {
	m := d.Metrics
	switch d.Experiment {
	case "xor":
		line := "xor: output spikes (HH/tv-LIF2HH)"
		for _, c := range d.Cases {
			line += fmt.Sprintf(" (%d,%d)→%d/%d", c.A, c.B, c.HHOut, c.TVLIF2HH)
		}
		return line + fmt.Sprintf("; bin agreement %.6f", m["bin_agreement"])
	case "fc":
		return fmt.Sprintf("fc: hidden spikes %v/%v, output counts %v/%v, bin agreement hidden %.6f output %.6f",
			m["hidden_spikes_hh"], m["hidden_spikes_tvlif2hh"], m["output_counts_hh"], m["output_counts_tvlif2hh"],
			m["bin_agreement_hidden"], m["bin_agreement_out"])
	}
	line := "signals:"
	for _, name := range d.Signals {
		sm := m[name].(map[string]any)
		if sm["comparable"] == true {
			line += fmt.Sprintf(" %s isi_diff %.5f ms, error %.5f;", name, sm["mean_isi_diff_ms"], sm["spike_time_error"])
		} else {
			line += fmt.Sprintf(" %s counts %v vs %v (not comparable), van Rossum %.3f;", name, sm["count_hh"], sm["count_slif2hh"], sm["van_rossum"])
		}
	}
	return line
}

// writeEquivFiles writes every file into a staging folder beside the output
// folder and moves them into place only when all are written, so a failure
// leaves no partial set behind.
func writeEquivFiles(opts *equivOptions, runs []equivRun) error {
	out, err := filepath.Abs(opts.OutDir)
	if err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	if err := checkEquivDir(out); err != nil {
		return err
	}
	parent := filepath.Dir(out)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	// Everything is written into a sibling folder that replaces the old
	// one by renames only when complete: a reader never sees a mix of two
	// runs' files, and a failure leaves the old results as they were.
	stage, err := os.MkdirTemp(parent, "."+filepath.Base(out)+".staging-")
	if err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	defer os.RemoveAll(stage)
	docs := make([]*sim.Document, len(runs))
	for i, r := range runs {
		docs[i] = r.doc
		if err := writeTrains(stage, r.doc, opts.NPY); err != nil {
			return err
		}
		if err := r.figures(stage); err != nil {
			return fmt.Errorf("figures: %w", err)
		}
	}
	if err := report.WriteJSON(filepath.Join(stage, "summary.json"), docs); err != nil {
		return err
	}
	if err := os.Chmod(stage, 0o755); err != nil {
		return err
	}
	return swapDir(stage, out)
}

// checkEquivDir refuses an output folder that holds files hhnet equiv did
// not write: replacing the folder would lose them.
func checkEquivDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	for _, e := range entries {
		if !equivOwned(e.Name()) {
			return fmt.Errorf("--out %s holds %s, which hhnet equiv did not write; its results replace the whole folder, so choose a new or empty one",
				dir, e.Name())
		}
	}
	return nil
}

// equivOwned tells whether name is one of the files hhnet equiv writes.
func equivOwned(name string) bool {
	if name == "summary.json" {
		return true
	}
	for _, e := range experimentNames {
		if strings.HasPrefix(name, e+"_") {
			switch filepath.Ext(name) {
			case ".csv", ".png", ".npy":
				return true
			}
		}
	}
	return false
}

// swapDir puts the folder stage in place of dst: the old dst is renamed
// aside, stage renamed to dst, and only then is the old one removed.
func swapDir(stage, dst string) error {
	old := ""
	if _, err := os.Stat(dst); err == nil {
		old = stage + ".old"
		if err := os.Rename(dst, old); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
	}
	if err := os.Rename(stage, dst); err != nil {
		if old != "" {
			os.Rename(old, dst)
		}
		return fmt.Errorf("--out: %w", err)
	}
	if old != "" {
		return os.RemoveAll(old)
	}
	return nil
}

// writeTrains writes EXPERIMENT_trains.csv (train, row, onset_ms) and, with
// npy, one EXPERIMENT_TRAIN.npy of (row, onset_ms) pairs per train.
func writeTrains(dir string, d *sim.Document, npy bool) error {
	names := make([]string, 0, len(d.Trains))
	for name := range d.Trains {
		names = append(names, name)
	}
	slices.Sort(names)
	rowLabel := "neuron"
	if d.Experiment == "signals" {
		rowLabel = "signal"
	}
	var rows [][]string
	for _, name := range names {
		var flat []float64
		for i, train := range d.Trains[name] {
			label := strconv.Itoa(i)
			if d.Experiment == "signals" {
				label = d.Signals[i]
			}
			for _, t := range train {
				rows = append(rows, []string{name, label, strconv.FormatFloat(t, 'g', -1, 64)})
				flat = append(flat, float64(i), t)
			}
		}
		if npy {
			if err := report.WriteNPY(filepath.Join(dir, d.Experiment+"_"+name+".npy"), len(flat)/2, 2, flat); err != nil {
				return err
			}
		}
	}
	return report.WriteCSV(filepath.Join(dir, d.Experiment+"_trains.csv"), []string{"train", rowLabel, "onset_ms"}, rows)
}

func xorFigures(dir string, r *sim.XORResult) error {
	tr := r.Traces[0]
	if err := report.VoltageOverlay(filepath.Join(dir, "xor_voltage.png"),
		"XOR (1,1), input neuron A: HH vs tv-LIF2HH ("+r.Settings.Construction.String()+")",
		tr.T, tr.HH, tr.Twin, "HH", "tv-LIF2HH"); err != nil {
		return err
	}
	var cats []string
	vals := [][]float64{{}, {}, {}}
	for _, c := range r.Cases {
		cats = append(cats, fmt.Sprintf("(%d,%d)", c.A, c.B))
		vals[0] = append(vals[0], float64(c.HHOut))
		vals[1] = append(vals[1], float64(c.TVOut))
		vals[2] = append(vals[2], float64(c.HHIn[0]+c.HHIn[1]))
	}
	return report.GroupedBars(filepath.Join(dir, "xor_truth_table.png"), "XOR truth table: output spikes in 40 ms",
		"spikes", cats, []string{"HH output", "tv-LIF2HH output", "HH input spikes (A+B)"}, vals)
}

func fcFigures(dir string, r *sim.FCResult) error {
	tr := r.Traces[0]
	if err := report.VoltageOverlay(filepath.Join(dir, "fc_voltage.png"),
		"Fully connected network, "+tr.Label+": HH vs tv-LIF2HH", tr.T, tr.HH, tr.Twin, "HH", "tv-LIF2HH"); err != nil {
		return err
	}
	var rows []report.RasterRow
	for i := range r.HHOut {
		rows = append(rows,
			report.RasterRow{Label: fmt.Sprintf("out %d HH", i), Times: r.HHOut[i]},
			report.RasterRow{Label: fmt.Sprintf("out %d tv", i), Times: r.TVOut[i], Test: true})
	}
	return report.Raster(filepath.Join(dir, "fc_raster.png"), "Output spikes: HH (blue) vs tv-LIF2HH (red)", rows, r.Settings.Duration)
}

func signalFigures(dir string, rs []*sim.SignalResult) error {
	var rows []report.RasterRow
	duration := 0.0
	for _, r := range rs {
		rows = append(rows,
			report.RasterRow{Label: r.Stimulus + " HH", Times: r.HHOut},
			report.RasterRow{Label: r.Stimulus + " s-LIF2HH", Times: r.SLIFOut, Test: true})
		if n := len(r.TraceT); n > 0 {
			duration = max(duration, r.TraceT[n-1])
		}
	}
	return report.Raster(filepath.Join(dir, "signals_raster.png"), "Layer-2 spikes: HH (blue) vs s-LIF2HH (red)", rows, duration)
}

// scaleRow is one stimulus at one scale in signals_scales.csv and the JSON.
type scaleRow struct {
	Stimulus       string   `json:"stimulus"`
	Scale          float64  `json:"scale"`
	CountHH        int      `json:"count_hh"`
	CountSLIF2HH   int      `json:"count_slif2hh"`
	Comparable     bool     `json:"comparable"`
	MeanISIDiffMs  *float64 `json:"mean_isi_diff_ms"` // null when the counts differ
	SpikeTimeError *float64 `json:"spike_time_error"`
	VanRossum      *float64 `json:"van_rossum"`  // null when undefined
	Coincidence    *float64 `json:"coincidence"` // null when undefined (Γ's normalisation vanishes)
	BinAgreement   float64  `json:"bin_agreement"`
}

// runEquivScales runs the signals experiment at every --scales amplitude
// and writes the table and the figure of the timing metrics against the
// scale, one curve per stimulus.
func runEquivScales(opts *equivOptions) error {
	var sigs []string
	if opts.Signal != "" {
		sigs = []string{opts.Signal}
	}
	res, err := sim.RunSignalsScaled(opts.settings(), opts.Scales, sigs...)
	if err != nil {
		return fmt.Errorf("signals: %w", err)
	}
	var rows []scaleRow
	curves := map[string]*[2]report.Series{} // per stimulus: van Rossum, coincidence
	var order []string
	for _, sr := range res {
		for _, r := range sr.Results {
			c := r.Comparison
			row := scaleRow{Stimulus: r.Stimulus, Scale: sr.Scale, CountHH: c.CountRef, CountSLIF2HH: c.CountTest,
				Comparable: c.Comparable, VanRossum: finite(c.VanRossum), Coincidence: finite(c.Coincidence), BinAgreement: r.BinAgreement}
			if c.Comparable {
				d, e := c.MeanISIDiffMs, c.SpikeTimeError
				row.MeanISIDiffMs, row.SpikeTimeError = &d, &e
			}
			rows = append(rows, row)
			cv, ok := curves[r.Stimulus]
			if !ok {
				cv = &[2]report.Series{{Name: r.Stimulus}, {Name: r.Stimulus}}
				curves[r.Stimulus] = cv
				order = append(order, r.Stimulus)
			}
			for q, v := range []*float64{row.VanRossum, row.Coincidence} {
				if v != nil { // an undefined value leaves a gap
					cv[q].X, cv[q].Y = append(cv[q].X, sr.Scale), append(cv[q].Y, *v)
				}
			}
		}
	}
	if !opts.JSON || opts.OutSet {
		if err := os.MkdirAll(opts.OutDir, 0o755); err != nil {
			return err
		}
		text := func(p *float64) string {
			if p == nil {
				return ""
			}
			return strconv.FormatFloat(*p, 'g', -1, 64)
		}
		var csvRows [][]string
		for _, r := range rows {
			csvRows = append(csvRows, []string{r.Stimulus, strconv.FormatFloat(r.Scale, 'g', -1, 64),
				strconv.Itoa(r.CountHH), strconv.Itoa(r.CountSLIF2HH), strconv.FormatBool(r.Comparable),
				text(r.MeanISIDiffMs), text(r.SpikeTimeError), text(r.VanRossum), text(r.Coincidence), strconv.FormatFloat(r.BinAgreement, 'g', -1, 64)})
		}
		header := []string{"stimulus", "scale", "count_hh", "count_slif2hh", "comparable", "mean_isi_diff_ms",
			"spike_time_error", "van_rossum", "coincidence", "bin_agreement"}
		if err := report.WriteCSV(filepath.Join(opts.OutDir, "signals_scales.csv"), header, csvRows); err != nil {
			return err
		}
		var vr, co []report.Series
		for _, name := range order {
			vr, co = append(vr, curves[name][0]), append(co, curves[name][1])
		}
		if err := report.LinePanels(filepath.Join(opts.OutDir, "signals_scales.png"),
			[]string{"van Rossum distance (τ = 2 ms), HH vs s-LIF2HH", "coincidence factor Γ (Δ = 2 ms)"},
			"stimulus scale s (input s·x(t))", "", [][]report.Series{vr, co}); err != nil {
			return err
		}
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"experiment": "signals-scales", "scales": opts.Scales, "rows": rows})
	}
	for _, r := range rows {
		line := fmt.Sprintf("%-8s ×%-4g spikes %2d / %2d, van Rossum %s, Γ %s", r.Stimulus, r.Scale, r.CountHH, r.CountSLIF2HH, short(r.VanRossum), short(r.Coincidence))
		if r.Comparable {
			line += fmt.Sprintf(", isi_diff %.4f ms, spike_time_error %.4f", *r.MeanISIDiffMs, *r.SpikeTimeError)
		}
		fmt.Fprintln(opts.Out, line)
	}
	fmt.Fprintf(opts.Out, "wrote %s\n", filepath.Join(opts.OutDir, "signals_scales.csv"))
	return nil
}

// finite is &x, or nil for NaN and infinities (JSON has no NaN).
func finite(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

// short prints *x to three decimals, "undefined" for nil.
func short(x *float64) string {
	if x == nil {
		return "undefined"
	}
	return strconv.FormatFloat(*x, 'f', 3, 64)
}
