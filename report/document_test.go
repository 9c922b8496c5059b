package report

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDocument writes a document with every kind of block as Markdown and
// as HTML: the HTML embeds the figure, escapes text, turns code spans into
// <code> and references nothing outside itself; the Markdown has the table
// and a figure file beside it.
func TestDocument(t *testing.T) {
	dir := t.TempDir()
	png := filepath.Join(dir, "in.png")
	if err := LinePanels(png, []string{"a"}, "x", "y", [][]Series{{{Name: "s", X: []float64{0, 1}, Y: []float64{1, 2}}}}); err != nil {
		t.Fatal(err)
	}
	d := &Document{Title: "Study", Intro: []string{"made by `hhnet reproduce`"}, Sections: []Section{{
		ID: "fig-4c", Title: "Fig. 4c", Blocks: []Block{
			Para("accuracy <b>%d</b> %%", 5),
			Tab(Table{Caption: "acc", Header: []string{"model", "acc1"}, Rows: [][]string{{"LIF_fc", "62.1 ± 0.3"}, {"a|b", "x"}}}),
			Fig("the bars", png),
		}}}}
	out := filepath.Join(dir, "out")
	if err := WriteMarkdown(out, "report.md", d); err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(filepath.Join(out, "report.html"), d); err != nil {
		t.Fatal(err)
	}
	md, _ := os.ReadFile(filepath.Join(out, "report.md"))
	for _, want := range []string{"# Study\n", "## Fig. 4c\n", "| model | acc1 |\n|---|---|\n| LIF_fc | 62.1 ± 0.3 |\n| a\\|b | x |\n", "![the bars](report-figures/fig-4c-2.png)"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "report-figures", "fig-4c-2.png")); err != nil {
		t.Error(err)
	}
	h, _ := os.ReadFile(filepath.Join(out, "report.html"))
	html := string(h)
	for _, want := range []string{`<section id="fig-4c">`, `href="#fig-4c"`, "accuracy &lt;b&gt;5&lt;/b&gt; %", "<code>hhnet reproduce</code>", `<img src="data:image/png;base64,iVBOR`, "<td>62.1 ± 0.3</td>"} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if m := regexp.MustCompile(`(?i)(src|href)="[^"#d]|<link|<script|url\(`).FindString(html); m != "" {
		t.Errorf("HTML references something outside itself: %q", m)
	}
}
