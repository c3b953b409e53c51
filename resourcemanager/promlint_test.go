package resourcemanager_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
)

func TestRMMetricsPassPromlint(t *testing.T) {
	rm := startRM(t, nil)
	problems, err := promlint.New(httpBody(t, "http://"+rm.Addresses().Web+"/metrics")).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
}
