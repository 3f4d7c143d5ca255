// Package app wires the service's parts for the mains and the tests: the
// zap logger and its bridge into the Temporal SDK, the Temporal client and
// the worker registrations.
package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strings"
	"time"

	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/interceptor"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"go.uber.org/zap"
	"go.uber.org/zap/exp/zapslog"
	"go.uber.org/zap/zapcore"

	"github.com/portaplus2/batchcustomers/activities"
	"github.com/portaplus2/batchcustomers/codec"
	"github.com/portaplus2/batchcustomers/config"
	"github.com/portaplus2/batchcustomers/workflows"
)

// NewLogger builds the process logger from the config's level and format.
func NewLogger(cfg config.Config, component string) (*zap.Logger, error) {
	level, err := zapcore.ParseLevel(cfg.LogLevel)
	if err != nil {
		return nil, fmt.Errorf("parse log level: %w", err)
	}
	zc := zap.NewProductionConfig()
	if cfg.LogFormat == "console" {
		zc = zap.NewDevelopmentConfig()
		zc.DisableStacktrace = true
	}
	zc.Level = zap.NewAtomicLevelAt(level)
	log, err := zc.Build()
	if err != nil {
		return nil, fmt.Errorf("build logger: %w", err)
	}
	return log.With(zap.String("component", component)), nil
}

// SDKLogger hands a zap logger to the Temporal SDK through slog, so that
// workflow and activity logs carry the SDK's ids and the same format.
func SDKLogger(log *zap.Logger) sdklog.Logger {
	return sdklog.NewStructuredLogger(slog.New(zapslog.NewHandler(log.Core())))
}

// Dial connects to Temporal with the config's address, namespace, TLS
// and credentials, and encrypts payloads when payloadCodec is not nil. A nil
// metrics handler records no SDK metrics.
func Dial(cfg config.Config, log *zap.Logger, metrics client.MetricsHandler, payloadCodec *codec.AESGCM) (client.Client, error) {
	opts := client.Options{
		HostPort:       cfg.TemporalAddress,
		Namespace:      cfg.TemporalNamespace,
		Logger:         SDKLogger(log),
		MetricsHandler: metrics,
	}
	if payloadCodec != nil {
		opts.DataConverter = converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), payloadCodec)
	}
	tlsConfig, err := temporalTLS(cfg)
	if err != nil {
		return nil, err
	}
	opts.ConnectionOptions.TLS = tlsConfig
	if cfg.TemporalCompression == "none" {
		opts.ConnectionOptions.GrpcCompression = &client.GrpcCompressionNone{}
	}
	if cfg.TemporalAPIKey != "" {
		opts.Credentials = client.NewAPIKeyStaticCredentials(cfg.TemporalAPIKey)
	}
	c, err := client.Dial(opts)
	if err != nil {
		return nil, fmt.Errorf("connect to temporal at %s: %w", cfg.TemporalAddress, err)
	}
	return c, nil
}

// temporalTLS returns the TLS settings toward Temporal, or nil for plain
// gRPC. An API key or any certificate setting turns TLS on.
func temporalTLS(cfg config.Config) (*tls.Config, error) {
	if !cfg.TemporalTLS && cfg.TemporalTLSCA == "" && cfg.TemporalTLSCert == "" && cfg.TemporalAPIKey == "" {
		return nil, nil
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: cfg.TemporalTLSServerName}
	if cfg.TemporalTLSCA != "" {
		pem, err := os.ReadFile(cfg.TemporalTLSCA)
		if err != nil {
			return nil, fmt.Errorf("read Temporal CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("no PEM certificate in %s", cfg.TemporalTLSCA)
		}
		tc.RootCAs = pool
	}
	if cfg.TemporalTLSCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TemporalTLSCert, cfg.TemporalTLSKey)
		if err != nil {
			return nil, fmt.Errorf("load Temporal client certificate: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

// WorkflowRegistry is the registration method that workers and replayers
// share.
type WorkflowRegistry interface {
	RegisterWorkflowWithOptions(w interface{}, options workflow.RegisterOptions)
}

// RegisterWorkflows adds both workflows under their type names.
func RegisterWorkflows(r WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(workflows.Batch, workflow.RegisterOptions{Name: workflows.BatchWorkflowType})
	r.RegisterWorkflowWithOptions(workflows.Customer, workflow.RegisterOptions{Name: workflows.CustomerWorkflowType})
}

// Register adds both workflows and every activity to a worker.
func Register(w worker.Registry, acts *activities.Activities) {
	RegisterWorkflows(w)
	w.RegisterActivityWithOptions(acts, activity.RegisterOptions{})
}

// WorkerStopTimeout is how long a stopping worker waits for its running
// activities. A step makes a few billing calls of at most 25 s each, but
// most take well under a second. Give the worker's container a longer
// stop grace period than this.
const WorkerStopTimeout = 20 * time.Second

// WorkerOptions returns the worker options for the config. A worker runs
// up to twice BillingConcurrency activities, while its billing client lets
// only BillingConcurrency calls out at once: an activity spends part of its
// time on Temporal round trips, and the spare activities keep the billing
// connections busy meanwhile. When ActivitiesPerSecond is set, Temporal
// paces the whole task queue. Activities scheduled with a heartbeat
// timeout heartbeat while they run, and a stopping worker waits up to
// WorkerStopTimeout for the running ones.
func WorkerOptions(cfg config.Config) worker.Options {
	opts := worker.Options{
		MaxConcurrentActivityExecutionSize: 2 * cfg.BillingConcurrency,
		TaskQueueActivitiesPerSecond:       cfg.ActivitiesPerSecond,
		Interceptors:                       []interceptor.WorkerInterceptor{activities.NewHeartbeatInterceptor()},
		WorkerStopTimeout:                  WorkerStopTimeout,
	}
	if cfg.PollerAutoscaling {
		// The SDK's two fixed pollers per task type cap how many
		// workflow tasks one worker takes in. With autoscaling the
		// server signals the worker to add or drop pollers.
		opts.WorkflowTaskPollerBehavior = worker.NewPollerBehaviorAutoscaling(worker.PollerBehaviorAutoscalingOptions{})
		opts.ActivityTaskPollerBehavior = worker.NewPollerBehaviorAutoscaling(worker.PollerBehaviorAutoscalingOptions{})
	}
	return opts
}

// CheckSearchAttributes verifies that the namespace has every search
// attribute the workflows set, with the right type. Without this check a
// missing attribute would fail workflow tasks over and over and leave
// batches stuck. The error names each problem and the command that fixes
// it.
func CheckSearchAttributes(ctx context.Context, c client.Client, namespace string) error {
	resp, err := c.OperatorService().ListSearchAttributes(ctx,
		&operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return fmt.Errorf("list search attributes of namespace %s: %w", namespace, err)
	}
	have := resp.GetCustomAttributes()
	want := workflows.SearchAttributes()
	names := make([]string, 0, len(want))
	for name := range want {
		names = append(names, name)
	}
	sort.Strings(names)
	var problems []string
	for _, name := range names {
		typ := want[name]
		got, ok := have[name]
		fix := fmt.Sprintf("temporal operator search-attribute create --namespace %s --name %s --type %s",
			namespace, name, typ)
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("search attribute %s is missing; create it with: %s", name, fix))
		case !strings.EqualFold(got.String(), typ):
			problems = append(problems, fmt.Sprintf("search attribute %s has type %s, expected %s; "+
				"remove it and create it again with: %s", name, got.String(), typ, fix))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("namespace %s is not ready:\n  %s", namespace, strings.Join(problems, "\n  "))
	}
	return nil
}
