package main

import (
	"fmt"
	"net/http"
	"testing"

	"balancer/internal/testutil"
)

// TestReloadHTTP2: h2c turned on by a reload takes HTTP/2 with prior
// knowledge on the same address; limits.maxconcurrentstreams is what new
// connections are told after a reload; a stream in flight across the
// reload ends with its answer and the client goes on; h2c turned off
// again leaves HTTP/1.1 only.
func TestReloadHTTP2(t *testing.T) {
	e := startReloadEnv(t, conf{})
	if _, err := testutil.H2Settings(e.addr); err == nil {
		t.Fatal("the plain listener took HTTP/2 before h2c was set")
	}
	h2cListen := fmt.Sprintf("\n  - addr: %q\n    h2c: true", e.addr)
	if !e.reload(t, conf{listen: h2cListen}) {
		t.Fatalf("reload failed: %+v", e.api(t, "/balancer-manager").Info.Reload)
	}
	streams := func() uint32 {
		t.Helper()
		s, err := testutil.H2Settings(e.addr)
		if err != nil {
			t.Fatalf("HTTP/2 with prior knowledge: %v", err)
		}
		return s[3]
	}
	if n := streams(); n != 100 {
		t.Fatalf("SETTINGS_MAX_CONCURRENT_STREAMS %d, want the default 100", n)
	}
	protos := new(http.Protocols)
	protos.SetUnencryptedHTTP2(true)
	client := &http.Client{Transport: &http.Transport{Protocols: protos}}
	defer client.CloseIdleConnections()
	get := func() (*http.Response, error) {
		req, _ := http.NewRequest("GET", "http://"+e.addr+"/", nil)
		req.Header.Set("Cookie", "JSESSIONID=s.node1")
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return resp, err
	}
	if resp, err := get(); err != nil || resp.ProtoMajor != 2 || resp.StatusCode != 200 {
		t.Fatalf("h2c request: %v %v", resp, err)
	}
	arrived, release := e.m1.Hold()
	defer release()
	done := make(chan error, 1)
	go func() {
		resp, err := get()
		if err == nil && resp.StatusCode != 200 {
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		done <- err
	}()
	testutil.Receive(t, arrived, "the held stream at the member")
	if !e.reload(t, conf{listen: h2cListen, top: "limits:\n  maxconcurrentstreams: 7\n"}) {
		t.Fatalf("reload failed: %+v", e.api(t, "/balancer-manager").Info.Reload)
	}
	release()
	if err := testutil.Receive(t, done, "the held stream's answer"); err != nil {
		t.Fatalf("the stream in flight across the reload: %v", err)
	}
	if n := streams(); n != 7 {
		t.Fatalf("SETTINGS_MAX_CONCURRENT_STREAMS %d after the reload, want 7", n)
	}
	if resp, err := get(); err != nil || resp.StatusCode != 200 {
		t.Fatalf("the client after the reload: %v %v", resp, err)
	}
	if !e.reload(t, conf{}) {
		t.Fatalf("reload failed: %+v", e.api(t, "/balancer-manager").Info.Reload)
	}
	if _, err := testutil.H2Settings(e.addr); err == nil {
		t.Fatal("the listener still takes HTTP/2 with h2c removed")
	}
	if s := status(t, "http://"+e.addr+"/"); s != 200 {
		t.Fatalf("HTTP/1.1 after h2c was removed: %d", s)
	}
}
