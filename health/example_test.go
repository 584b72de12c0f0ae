package health_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"balancer/health"
)

// printer is a Reporter that prints transitions.
type printer struct{}

func (printer) SetHealthy(key string, healthy bool, last health.Result) {
	fmt.Printf("%s healthy=%v (%s)\n", key, healthy, last.Err)
}

// A member whose health URI answers 503 is reported failed once, on the
// second consecutive failure. The runtime calls Start instead of stepping
// with CheckOnce, and Update again on every reload.
func ExampleChecker() {
	member := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer member.Close()

	c := health.New(printer{})
	err := c.Update([]health.Target{{
		Key: "mycluster/node1", // the runtime uses balancer name + member URL
		URL: member.URL + "/app",
		Spec: health.Spec{
			Method:   "GET",
			URI:      "/health", // requested as /app/health
			Interval: 5 * time.Second,
			Timeout:  time.Second,
			Fails:    2,
			Passes:   1,
			Expect:   func(s int) bool { return s >= 200 && s <= 399 },
		},
	}})
	if err != nil {
		panic(err)
	}
	for range 3 {
		c.CheckOnce(context.Background(), "mycluster/node1")
	}
	st, _ := c.Status("mycluster/node1")
	fmt.Println("healthy:", st.Healthy, "checks:", st.Checks)
	// Output:
	// mycluster/node1 healthy=false (unexpected status 503)
	// healthy: false checks: 3
}
