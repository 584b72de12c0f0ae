package managerui_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"balancer/config"
	"balancer/internal/app"
	"balancer/internal/testutil"
)

// A real balancer in front of real members, its manager page in a real
// headless Chromium: an operator drains node2 through the edit form, and
// real traffic then shows node2 takes no new session while its own
// sessions still reach it.
func TestBrowserDrain(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Chromium")
	}
	chromium := testutil.Need(t, "chromium", "chromium")
	members := []*testutil.Member{
		testutil.StartMember(t, "node1"), testutil.StartMember(t, "node2"), testutil.StartMember(t, "node3"),
	}
	a := startApp(t, members)
	proxy, manager := "http://"+a.ProxyAddr(), "http://"+a.ManagerAddr()+"/balancer-manager"

	// Sessions on every member, and steady background traffic so the
	// charts have something to draw.
	sessions := map[string][]string{}
	for i := range 12 {
		route, cookie := request(t, proxy+fmt.Sprintf("/set-session?id=s%d", i), "")
		sessions[route] = append(sessions[route], cookie)
	}
	if len(sessions["node2"]) == 0 {
		t.Fatalf("no session landed on node2: %v", sessions)
	}
	stop := traffic(t, proxy, sessions)
	defer stop()

	ctx := browser(t, chromium)
	console := watchConsole(ctx)
	row := `tr[data-route="node2"]`
	if err := chromedp.Do(ctx,
		chromedp.Navigate(manager),
		chromedp.WaitVisible(chromedp.CSS(row)),
		chromedp.Click(chromedp.CSS(row+" details.pop > summary")),
		chromedp.WaitVisible(chromedp.CSS(row+` input[name=status][value=drain]`)),
		chromedp.Click(chromedp.CSS(row+` input[name=status][value=drain]`)),
		chromedp.Click(chromedp.CSS(row+` details.pop button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash.ok`)),
	); err != nil {
		t.Fatalf("drain through the page: %v", err)
	}
	flash, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.flash.ok`)))
	if err != nil || !strings.Contains(flash, "Change applied") {
		t.Fatalf("confirmation %q, %v", flash, err)
	}

	// The very next requests: no new session goes to node2 ...
	for i := range 30 {
		if route, _ := request(t, proxy+fmt.Sprintf("/set-session?id=n%d", i), ""); route == "node2" {
			t.Fatalf("new session n%d went to draining node2", i)
		}
	}
	// ... while node2's own sessions still reach it.
	for _, c := range sessions["node2"] {
		if route, _ := request(t, proxy+"/", c); route != "node2" {
			t.Fatalf("session %s went to %s, want node2 (drain keeps sticky sessions)", c, route)
		}
	}
	if st := a.Config().Balancers[0].Members[1].Status; len(st) != 0 {
		t.Errorf("the file's configuration changed (%v): edits are an overlay without manager.persist", st)
	}

	// The live view (JavaScript on) shows the drain and the helper.
	verdict, err := chromedp.Run(ctx, chromedp.Poll[string](
		`(() => { const v = document.querySelector('tr[data-route="node2"] .verdict'); return v ? v.textContent : ''; })()`,
		chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil || !strings.Contains(verdict, "still reach it") {
		t.Errorf("drain helper %q, %v", verdict, err)
	}
	live, err := chromedp.Run(ctx, chromedp.Poll[bool](
		`document.getElementById('live').textContent.startsWith('Live · updated')`,
		chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil || !live {
		t.Errorf("the page did not refresh itself: %v", err)
	}
	// Wait for the sampler's first interval (5s) so the charts have a bar.
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](
		`(document.querySelector('tr[data-route="node1"] svg.spark path')?.getAttribute('d') || '').split('M').length > 1`,
		chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Errorf("no traffic bars drawn: %v", err)
	}
	screenshot(t, ctx, "manager.png")
	// A CSP violation (an inline style or script), a failed asset or a
	// script error shows up in the console.
	for _, msg := range console() {
		if msg.Type == chromedp.ConsoleError || msg.Type == chromedp.ConsoleException || msg.Type == chromedp.ConsoleWarning {
			t.Errorf("browser console: %s", msg)
		}
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`tr[data-route="node1"] details.pop > summary`))); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "manager-edit.png")

	// With JavaScript off the page still works: undrain node2 with its
	// button, and new sessions reach it again.
	nojs, cancel := chromedp.NewContext(ctx)
	defer cancel()
	if err := chromedp.Do(nojs,
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
			return err
		}),
		chromedp.Navigate(manager),
		chromedp.Click(chromedp.CSS(row+` button[title^="Let node2"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash.ok`)),
	); err != nil {
		t.Fatalf("undrain without JavaScript: %v", err)
	}
	if txt, _ := chromedp.Run(nojs, chromedp.Text(chromedp.ID("live"))); !strings.HasPrefix(txt, "Static view") {
		t.Errorf("live indicator with JavaScript off: %q", txt)
	}
	got := map[string]int{}
	for i := range 30 {
		route, _ := request(t, proxy+fmt.Sprintf("/set-session?id=u%d", i), "")
		got[route]++
	}
	if got["node2"] == 0 {
		t.Errorf("after undrain no new session reached node2: %v", got)
	}
}

// watchConsole collects the tab's console messages and browser log
// entries; the returned func gives those seen so far.
func watchConsole(ctx context.Context) func() []chromedp.ConsoleMessage {
	var mu sync.Mutex
	var msgs []chromedp.ConsoleMessage
	go func() {
		for msg, err := range chromedp.Console(ctx) {
			if err != nil {
				return
			}
			mu.Lock()
			msgs = append(msgs, msg)
			mu.Unlock()
		}
	}()
	return func() []chromedp.ConsoleMessage {
		mu.Lock()
		defer mu.Unlock()
		return append([]chromedp.ConsoleMessage(nil), msgs...)
	}
}

// startApp runs a balancer over members with the manager on loopback.
func startApp(t *testing.T, members []*testutil.Member) *app.App {
	t.Helper()
	var ms strings.Builder
	for _, m := range members {
		fmt.Fprintf(&ms, "      - url: %s\n        route: %s\n", m.URL, m.Route)
	}
	yml := `
listen: "127.0.0.1:0"
manager:
  listen: "127.0.0.1:0"
balancers:
  - name: shop
    lbmethod: byrequests
    stickysession: JSESSIONID|jsessionid
    members:
` + ms.String() + `
routes:
  - path: /
    balancer: shop
`
	cfg, err := config.Parse("browser.yaml", []byte(yml))
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.Start(cfg, app.Options{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Stop(time.Second) })
	return a
}

var httpClient = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// request sends a GET with an optional Cookie header and returns the
// answering member's route and the session cookie it set (name=value).
func request(t testing.TB, url, cookie string) (route, setCookie string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	for _, c := range resp.Cookies() {
		if c.Name == "JSESSIONID" {
			setCookie = c.Name + "=" + c.Value
		}
	}
	return resp.Header.Get("X-Route"), setCookie
}

// traffic sends the sessions' requests in the background until stopped.
func traffic(t *testing.T, proxy string, sessions map[string][]string) (stop func()) {
	var all []string
	for _, cs := range sessions {
		all = append(all, cs...)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			case <-time.After(15 * time.Millisecond):
			}
			req, _ := http.NewRequest(http.MethodGet, proxy+"/", nil)
			req.Header.Set("Cookie", all[i%len(all)])
			if resp, err := httpClient.Do(req); err == nil {
				resp.Body.Close()
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// browser starts headless Chromium for the test.
func browser(t *testing.T, chromium string) context.Context {
	t.Helper()
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1440, 900),
	)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // start the browser now, without a deadline
		t.Fatalf("start chromium: %v", err)
	}
	tctx, tcancel := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(tcancel)
	return tctx
}

// screenshot saves the full page under build/screenshots/ at the
// repository root.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Errorf("screenshot: %v", err)
		return
	}
	dir := filepath.Join("..", "build", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", filepath.Join(dir, name))
}
