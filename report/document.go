package report

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/hhnet/hhnet/internal/atomicfile"
)

// Document is a report of sections of paragraphs, tables and figures,
// written as Markdown (figures beside it) or as one self-contained HTML
// file (figures embedded, nothing fetched to view it).
type Document struct {
	Title    string
	Intro    []string // paragraphs before the sections
	Sections []Section
}

// Section is a titled part of a document; ID is its anchor.
type Section struct {
	ID, Title string
	Blocks    []Block
}

// Block is a paragraph, a table or a figure. Text may hold `code` spans.
type Block struct {
	Text   string  // a paragraph
	Table  *Table  // or a table
	Figure *Figure // or a figure
}

// Table is a captioned table of text cells.
type Table struct {
	Caption string
	Header  []string
	Rows    [][]string
}

// Figure is a PNG image file with a caption.
type Figure struct {
	Caption string
	Path    string
}

// Para, Tab and Fig make blocks.
func Para(format string, a ...any) Block { return Block{Text: fmt.Sprintf(format, a...)} }

// Tab makes a table block.
func Tab(t Table) Block { return Block{Table: &t} }

// Fig makes a figure block.
func Fig(caption, path string) Block { return Block{Figure: &Figure{Caption: caption, Path: path}} }

// WriteMarkdown writes the document to dir/name and copies its figures
// into dir/report-figures, which the Markdown links to.
func WriteMarkdown(dir, name string, d *Document) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", d.Title)
	for _, p := range d.Intro {
		fmt.Fprintf(&b, "%s\n\n", p)
	}
	for _, s := range d.Sections {
		fmt.Fprintf(&b, "## %s\n\n", s.Title)
		for i, blk := range s.Blocks {
			switch {
			case blk.Table != nil:
				t := blk.Table
				if t.Caption != "" {
					fmt.Fprintf(&b, "%s\n\n", t.Caption)
				}
				fmt.Fprintf(&b, "| %s |\n|%s\n", strings.Join(mdCells(t.Header), " | "), strings.Repeat("---|", len(t.Header)))
				for _, r := range t.Rows {
					fmt.Fprintf(&b, "| %s |\n", strings.Join(mdCells(r), " | "))
				}
				b.WriteString("\n")
			case blk.Figure != nil:
				rel := filepath.Join("report-figures", fmt.Sprintf("%s-%d%s", s.ID, i, filepath.Ext(blk.Figure.Path)))
				if err := copyFile(blk.Figure.Path, filepath.Join(dir, rel)); err != nil {
					return err
				}
				fmt.Fprintf(&b, "![%s](%s)\n\n*%s*\n\n", blk.Figure.Caption, filepath.ToSlash(rel), blk.Figure.Caption)
			default:
				fmt.Fprintf(&b, "%s\n\n", blk.Text)
			}
		}
	}
	return atomicfile.Write(filepath.Join(dir, name), func(w io.Writer) error {
		_, err := io.WriteString(w, b.String())
		return err
	})
}

func mdCells(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = strings.ReplaceAll(strings.ReplaceAll(c, "|", `\|`), "\n", " ")
	}
	return out
}

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return atomicfile.Write(dst, func(w io.Writer) error { _, err := w.Write(b); return err })
}

var codeSpan = regexp.MustCompile("`([^`]+)`")

// inline escapes text for HTML and turns `code` spans into <code>.
func inline(s string) template.HTML {
	esc := template.HTMLEscapeString(s)
	return template.HTML(codeSpan.ReplaceAllString(esc, "<code>$1</code>"))
}

var page = template.Must(template.New("page").Funcs(template.FuncMap{"inline": inline}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 64rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; color: #222; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.3rem; margin-top: 2.5rem; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 1rem 0; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } caption { caption-side: top; text-align: left; font-style: italic; padding-bottom: 0.3rem; }
figure { margin: 1.5rem 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-style: italic; font-size: 0.9rem; }
code { background: #f5f5f5; padding: 0 0.2rem; font-size: 0.85rem; }
nav ul { columns: 2; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
{{range .Intro}}<p>{{inline .}}</p>
{{end}}<nav><ul>
{{range .Sections}}<li><a href="#{{.ID}}">{{.Title}}</a></li>
{{end}}</ul></nav>
{{range .Sections}}<section id="{{.ID}}">
<h2>{{.Title}}</h2>
{{range .Blocks}}{{if .Table}}<table>{{if .Table.Caption}}<caption>{{inline .Table.Caption}}</caption>{{end}}
<thead><tr>{{range .Table.Header}}<th>{{inline .}}</th>{{end}}</tr></thead>
<tbody>{{range .Table.Rows}}<tr>{{range .}}<td>{{inline .}}</td>{{end}}</tr>
{{end}}</tbody></table>
{{else if .Figure}}<figure><img src="{{.Data}}" alt="{{.Figure.Caption}}"><figcaption>{{inline .Figure.Caption}}</figcaption></figure>
{{else}}<p>{{inline .Text}}</p>
{{end}}{{end}}</section>
{{end}}</body>
</html>
`))

// WriteHTML writes the document as one HTML file with its figures
// embedded as data URIs.
func WriteHTML(path string, d *Document) error {
	type block struct {
		Block
		Data template.URL
	}
	type section struct {
		ID, Title string
		Blocks    []block
	}
	view := struct {
		Title    string
		Intro    []string
		Sections []section
	}{Title: d.Title, Intro: d.Intro}
	for _, s := range d.Sections {
		vs := section{ID: s.ID, Title: s.Title}
		for _, blk := range s.Blocks {
			vb := block{Block: blk}
			if blk.Figure != nil {
				b, err := os.ReadFile(blk.Figure.Path)
				if err != nil {
					return err
				}
				mime := "image/png"
				if strings.EqualFold(filepath.Ext(blk.Figure.Path), ".svg") {
					mime = "image/svg+xml"
				}
				vb.Data = template.URL("data:" + mime + ";base64," + base64.StdEncoding.EncodeToString(b))
			}
			vs.Blocks = append(vs.Blocks, vb)
		}
		view.Sections = append(view.Sections, vs)
	}
	var buf bytes.Buffer
	if err := page.Execute(&buf, view); err != nil {
		return err
	}
	return atomicfile.Write(path, func(w io.Writer) error { _, err := w.Write(buf.Bytes()); return err })
}
