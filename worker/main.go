// Command worker runs the batch and customer workflows and the billing
// activities. Settings come from BATCH_* environment variables; run it
// with -h to list them.
package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"go.temporal.io/sdk/worker"
	"go.uber.org/zap"

	"github.com/portaplus2/batchcustomers/activities"
	"github.com/portaplus2/batchcustomers/app"
	"github.com/portaplus2/batchcustomers/billing"
	"github.com/portaplus2/batchcustomers/config"
)

func main() {
	if config.HandleHelp(os.Args[1:]) {
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	rt, err := app.Open(ctx, "worker")
	defer rt.Close()
	if err != nil {
		return err
	}
	cfg, log, reg := rt.Config, rt.Log, rt.Metrics
	if cfg.MetricsAddr != "" {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", reg.Handler())
		stopMetrics, err := app.Serve(cfg.MetricsAddr, "metrics", mux, log)
		if err != nil {
			return err
		}
		defer stopMetrics()
	}
	if cfg.PprofAddr != "" {
		stopProfiles, err := app.ServeProfiles(cfg.PprofAddr, log)
		if err != nil {
			return err
		}
		defer stopProfiles()
	}

	bc := billing.New(billing.Options{
		BaseURL: cfg.BillingURL, Login: cfg.BillingLogin, Password: cfg.BillingPassword,
		Timeout: cfg.BillingTimeout, InsecureTLS: cfg.BillingInsecureTLS,
		Observe: reg.ObserveBilling, MaxConcurrent: cfg.BillingConcurrency,
	}, log)
	w := worker.New(rt.Client, cfg.TaskQueue, app.WorkerOptions(cfg))
	app.Register(w, &activities.Activities{
		Billing: bc, Store: rt.Store, Metrics: reg,
		Webhook: activities.Webhook{URL: cfg.WebhookURL, Secret: cfg.WebhookSecret},
	})

	log.Info("worker starting", zap.String("task_queue", cfg.TaskQueue),
		zap.String("temporal_address", cfg.TemporalAddress), zap.String("billing_url", cfg.BillingURL))
	if err := w.Start(); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	<-ctx.Done()
	log.Info("worker stopping: finishing the tasks in hand")
	// Stop waits for running activities up to the worker's stop timeout;
	// what it cuts off, Temporal retries on another worker.
	w.Stop()
	log.Info("worker stopped")
	return nil
}
