// Package metrics exposes the service's own counters and the Temporal
// SDK's metrics on a Prometheus /metrics endpoint.
package metrics

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.temporal.io/sdk/client"
	temporalotel "go.temporal.io/sdk/contrib/opentelemetry"
	"go.uber.org/zap"

	"github.com/portaplus2/batchcustomers/billing"
)

// Registry holds one process's metrics.
type Registry struct {
	reg       *prometheus.Registry
	customers *prometheus.CounterVec
	billing   *prometheus.HistogramVec
	requests  *prometheus.CounterVec
	sdk       client.MetricsHandler
}

// New creates the registry with the Go runtime and process collectors,
// the service's metrics, and a bridge that receives the SDK's metrics.
func New(log *zap.Logger) (*Registry, error) {
	r := &Registry{reg: prometheus.NewRegistry()}
	r.customers = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "batch_customers_finished_total",
		Help: "Customer attempts that ended, by final status (created, failed, rolled_back, rollback_failed).",
	}, []string{"status"})
	r.billing = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "batch_billing_call_seconds",
		Help:    "Duration of PortaBilling API calls, by method and outcome class.",
		Buckets: prometheus.ExponentialBuckets(0.005, 2, 14),
	}, []string{"method", "outcome"})
	r.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "batch_http_requests_total",
		Help: "Requests to the HTTP endpoint, by route kind and status code.",
	}, []string{"route", "code"})
	err := errors.Join(
		r.reg.Register(collectors.NewGoCollector()),
		r.reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})),
		r.reg.Register(r.customers), r.reg.Register(r.billing), r.reg.Register(r.requests),
	)
	if err != nil {
		return nil, fmt.Errorf("register metrics: %w", err)
	}

	exporter, err := otelprom.New(otelprom.WithRegisterer(r.reg), otelprom.WithoutScopeInfo())
	if err != nil {
		return nil, fmt.Errorf("create SDK metrics exporter: %w", err)
	}
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter))
	r.sdk = temporalotel.NewMetricsHandler(temporalotel.MetricsHandlerOptions{
		Meter: provider.Meter("temporal-sdk-go"),
		// A metric the exporter rejects must not take the process down.
		OnError: func(err error) { log.Warn("record SDK metric", zap.Error(err)) },
	})
	return r, nil
}

// SDKHandler is the metrics handler for client.Options.MetricsHandler.
func (r *Registry) SDKHandler() client.MetricsHandler { return r.sdk }

// Handler serves the metrics in the Prometheus text format.
func (r *Registry) Handler() http.Handler {
	return promhttp.HandlerFor(r.reg, promhttp.HandlerOpts{Registry: r.reg})
}

// CustomerFinished counts a customer attempt that ended.
func (r *Registry) CustomerFinished(status string) {
	r.customers.WithLabelValues(status).Inc()
}

// ObserveBilling records one billing call; it fits billing.Options.Observe.
func (r *Registry) ObserveBilling(method string, took time.Duration, err error) {
	outcome := "ok"
	if err != nil {
		outcome = billing.ClassOf(err).String()
	}
	r.billing.WithLabelValues(method, outcome).Observe(took.Seconds())
}

// CountRequest counts one HTTP request.
func (r *Registry) CountRequest(route string, code int) {
	r.requests.WithLabelValues(route, fmt.Sprint(code)).Inc()
}
