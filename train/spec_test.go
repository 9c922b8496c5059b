package train

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hhnet/hhnet/models"
)

// TestSpecMatchesDocs pins every model's hyper-parameters — unit, width,
// T, θ, surrogate half-width, decay, dt, learning rate, weight decay,
// milestones with and without noise — to the table of docs/model.md §4,
// the project's specification: a change to either must change both.
func TestSpecMatchesDocs(t *testing.T) {
	b, err := os.ReadFile("../docs/model.md")
	if err != nil {
		t.Fatal(err)
	}
	units := map[models.Unit]string{models.LIFUnit: "LIF", models.HHUnit: "HH", models.SLIFUnit: "s-LIF2HH", models.StepUnit: "binary", models.HHvUnit: "HHv"}
	num := func(v float64) string {
		if v == 0 {
			return "–"
		}
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	ints := func(v []int) string {
		s := make([]string, len(v))
		for i, x := range v {
			s[i] = strconv.Itoa(x)
		}
		return strings.Join(s, ", ")
	}
	rows := map[string][]string{}
	for _, line := range strings.Split(string(b), "\n") {
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		if len(cells) == 12 && strings.HasPrefix(cells[0], "`") {
			rows[strings.Trim(cells[0], "`")] = cells[1:]
		}
	}
	if len(rows) != len(models.Specs()) {
		t.Fatalf("docs/model.md's table has %d models, the code %d", len(rows), len(models.Specs()))
	}
	for _, spec := range models.Specs() {
		row, ok := rows[spec.Name]
		if !ok {
			t.Errorf("%s is not in docs/model.md's table", spec.Name)
			continue
		}
		plain, err := Settings{Model: spec.Name}.WithDefaults()
		if err != nil {
			t.Fatal(err)
		}
		noisy, _ := Settings{Model: spec.Name, Noise: 25}.WithDefaults()
		code := []string{units[spec.Unit], strconv.Itoa(spec.Width), strconv.Itoa(spec.Steps), num(spec.Theta), num(spec.Lens),
			num(spec.Decay), num(spec.Dt), num(plain.LR), num(plain.WeightDecay), ints(plain.Milestones), ints(noisy.Milestones)}
		// The table writes learning rates and decays as 1e-4, Go as 0.0001.
		for i := range row {
			if f, err := strconv.ParseFloat(row[i], 64); err == nil {
				row[i] = num(f)
			}
		}
		if !slices.Equal(row, code) {
			t.Errorf("%s: docs/model.md says %q, the code %q", spec.Name, row, code)
		}
	}
}
