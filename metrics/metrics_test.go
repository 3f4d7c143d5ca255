package metrics_test

import (
	"errors"
	"io"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/portaplus2/batchcustomers/billing"
	"github.com/portaplus2/batchcustomers/metrics"
)

func TestMetricsAreServed(t *testing.T) {
	reg, err := metrics.New(zap.NewNop())
	require.NoError(t, err)
	reg.CustomerFinished("created")
	reg.CustomerFinished("failed")
	reg.ObserveBilling("Account.add_alias", 40*time.Millisecond, nil)
	reg.ObserveBilling("Account.add_alias", time.Second, &billing.Fault{Code: "Server.Account.duplicate_id"})
	reg.ObserveBilling("Customer.add_customer", time.Second, errors.New("connection refused"))
	reg.CountRequest("GET /batches/{id}", 200)
	reg.SDKHandler().Counter("temporal_request").Inc(1)

	rec := httptest.NewRecorder()
	reg.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, err := io.ReadAll(rec.Body)
	require.NoError(t, err)
	text := string(body)
	assert.Contains(t, text, `batch_customers_finished_total{status="created"} 1`)
	assert.Contains(t, text, `batch_customers_finished_total{status="failed"} 1`)
	assert.Contains(t, text, `batch_billing_call_seconds_count{method="Account.add_alias",outcome="ok"} 1`)
	assert.Contains(t, text, `batch_billing_call_seconds_count{method="Account.add_alias",outcome="duplicate"} 1`)
	assert.Contains(t, text, `batch_billing_call_seconds_count{method="Customer.add_customer",outcome="transient"} 1`)
	assert.Contains(t, text, `batch_http_requests_total{code="200",route="GET /batches/{id}"} 1`)
	assert.Contains(t, text, "temporal_request", "SDK metrics go through the same registry")
	assert.Contains(t, text, "go_goroutines")
}
