// Package app wires the service's parts for the mains and the tests: the
// zap logger and its bridge into the Temporal SDK, the Temporal client and
// the worker registrations.
package app

import (
	"fmt"
	"log/slog"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"go.uber.org/zap"
	"go.uber.org/zap/exp/zapslog"
	"go.uber.org/zap/zapcore"

	"github.com/portaplus2/batchcustomers/activities"
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

// Dial connects to Temporal with the config's address and namespace.
func Dial(cfg config.Config, log *zap.Logger) (client.Client, error) {
	c, err := client.Dial(client.Options{
		HostPort:  cfg.TemporalAddress,
		Namespace: cfg.TemporalNamespace,
		Logger:    SDKLogger(log),
	})
	if err != nil {
		return nil, fmt.Errorf("connect to temporal at %s: %w", cfg.TemporalAddress, err)
	}
	return c, nil
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

// WorkerOptions returns the worker options for the config. Billing
// activities are bounded per worker, so PortaBilling receives at most
// BillingConcurrency calls from each worker process.
func WorkerOptions(cfg config.Config) worker.Options {
	return worker.Options{
		MaxConcurrentActivityExecutionSize: cfg.BillingConcurrency,
	}
}
