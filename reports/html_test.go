package reports

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// externalRef matches src= / href= (and CSS url()) pointing off the page.
var externalRef = regexp.MustCompile(`(?i)(?:\b(?:src|href|xlink:href|action|poster)\s*=\s*["']?\s*(?:https?:|//|ftp:|data:text/html)|url\(\s*["']?\s*(?:https?:|//)|@import)`)

func TestHTMLIsSelfContained(t *testing.T) {
	run := fixtureRun(t)
	var buf bytes.Buffer
	if err := WriteHTML(&buf, run); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	if m := externalRef.FindString(html); m != "" {
		t.Fatalf("report.html references something external: %q", m)
	}
	for _, bad := range []string{"<script", "<link", "<img", "<iframe", "ZgotmplZ"} {
		if strings.Contains(html, bad) {
			t.Errorf("report.html contains %q", bad)
		}
	}
	for i, s := range run.Scenarios {
		a := anchor(i, s.Name)
		for _, want := range []string{`id="` + a + `"`, `href="#` + a + `"`, `id="timeline-` + a + `"`, `id="rto-` + a + `"`} {
			if !strings.Contains(html, want) {
				t.Errorf("report.html lacks %s", want)
			}
		}
	}
	// The regex itself must be able to fail.
	for _, planted := range []string{`<img src="https://x/y.png">`, `<a href='//cdn/x'>`, `style="background:url(http://x)"`} {
		if !externalRef.MatchString(planted) {
			t.Errorf("externalRef misses %s", planted)
		}
	}
}

func TestHTMLEscapesStrings(t *testing.T) {
	run := fixtureRun(t)
	run.Scenarios[0].Name = `<script>alert(1)</script>`
	run.Scenarios[0].Description = `"><img src=x onerror=alert(1)>`
	run.Scenarios[0].Fault.Params["x"] = `</svg><script>`
	var buf bytes.Buffer
	if err := WriteHTML(&buf, run); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<script>", "<img src=x", "</svg><script>"} {
		if strings.Contains(buf.String(), bad) {
			t.Errorf("unescaped %q in report.html", bad)
		}
	}
}

// chromium returns the path of a headless-capable Chromium, failing the test
// when none is installed unless REDISDRILL_SKIP_BROWSER=1.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("REDISDRILL_SKIP_BROWSER") == "1" {
		t.Skip("no chromium and REDISDRILL_SKIP_BROWSER=1")
	}
	t.Fatal("chromium not found: install Debian package \"chromium\" (or set REDISDRILL_SKIP_BROWSER=1)")
	return ""
}

// browserArgs keeps Chromium offline: every connection goes to a dead proxy.
func browserArgs(extra ...string) []string {
	return append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--proxy-server=127.0.0.1:9",
		"--proxy-bypass-list=<-loopback>", "--disable-background-networking", "--no-first-run",
		"--disable-dev-shm-usage", "--hide-scrollbars"}, extra...)
}

func TestHTMLInHeadlessChromium(t *testing.T) {
	bin := chromium(t)
	run := fixtureRun(t)
	dir := t.TempDir()
	paths, err := WriteAll(dir, run)
	if err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(dir, FileHTML)
	if paths[3] != page {
		t.Fatalf("WriteAll paths = %v", paths)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	profile := t.TempDir()
	cmd := exec.CommandContext(ctx, bin, browserArgs("--user-data-dir="+profile, "--dump-dom", "file://"+page)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	dom, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium --dump-dom: %v\n%s", err, stderr.String())
	}
	d := string(dom)
	for i, s := range run.Scenarios {
		a := anchor(i, s.Name)
		if !regexp.MustCompile(`<svg[^>]*id="timeline-` + regexp.QuoteMeta(a) + `"`).MatchString(d) {
			t.Errorf("DOM lacks the timeline svg of %s", s.Name)
		}
		if !regexp.MustCompile(`<svg[^>]*id="rto-` + regexp.QuoteMeta(a) + `"`).MatchString(d) {
			t.Errorf("DOM lacks the RTO svg of %s", s.Name)
		}
	}
	for _, class := range []string{"bar-ok", "bar-fail", "bar-unknown", "p99-line", "fault-window", "span-lane", "rto-seg"} {
		if !strings.Contains(d, `class="`+class+`"`) {
			t.Errorf("DOM lacks chart elements of class %s", class)
		}
	}
	if n := strings.Count(d, "<svg"); n != 2*len(run.Scenarios) {
		t.Errorf("DOM has %d svg charts, want %d", n, 2*len(run.Scenarios))
	}

	// The screenshot goes to a temp dir so a test run leaves the tree clean;
	// REDISDRILL_KEEP_SCREENSHOT=1 keeps it in testdata/ to look at.
	png := filepath.Join(t.TempDir(), "report.png")
	if os.Getenv("REDISDRILL_KEEP_SCREENSHOT") == "1" {
		png = filepath.Join("testdata", "report.png")
	}
	shot := exec.CommandContext(ctx, bin, browserArgs("--user-data-dir="+profile, "--window-size=1200,2600", "--screenshot="+mustAbs(t, png), "file://"+page)...)
	if out, err := shot.CombinedOutput(); err != nil {
		t.Fatalf("chromium --screenshot: %v\n%s", err, out)
	}
	st, err := os.Stat(png)
	if err != nil || st.Size() < 10_000 {
		t.Fatalf("screenshot %s missing or tiny: %v", png, err)
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
