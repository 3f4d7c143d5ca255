// Command starter runs the HTTP endpoint that accepts BatchCustomerCreation
// requests and starts their workflows. Settings come from BATCH_*
// environment variables; run it with -h to list them.
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.uber.org/zap"

	"github.com/portaplus2/batchcustomers/api"
	"github.com/portaplus2/batchcustomers/app"
	"github.com/portaplus2/batchcustomers/codec"
	"github.com/portaplus2/batchcustomers/config"
	"github.com/portaplus2/batchcustomers/workflows"
)

func main() {
	if config.HandleHelp(os.Args[1:]) {
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "starter:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	rt, err := app.Open(ctx, "starter")
	defer rt.Close()
	if err != nil {
		return err
	}
	cfg, log, c := rt.Config, rt.Log, rt.Client

	srv := api.New(api.Options{
		MaxBodyBytes: cfg.MaxBodyBytes, MaxCustomers: cfg.MaxCustomers, Licenses: cfg.LicenseKeys(),
		TemporalUIURL: cfg.TemporalUIURL, Namespace: cfg.TemporalNamespace,
		ErrorThreshold: workflows.ErrorThreshold{
			MinFinished: cfg.ErrorThresholdAfter, MaxFailedPercent: cfg.ErrorThresholdPercent,
		},
	}, rt.Store, api.TemporalWorkflows{
		Client: c, TaskQueue: cfg.TaskQueue, Window: cfg.Window, ChildrenPerRun: cfg.ChildrenPerRun,
	}, log)
	srv.ServeMetrics(rt.Metrics)
	if cfg.PprofAddr != "" {
		stopProfiles, err := app.ServeProfiles(cfg.PprofAddr, log)
		if err != nil {
			return err
		}
		defer stopProfiles()
	}
	if rt.Codec != nil {
		srv.ServeCodec(codec.Handler(rt.Codec, uiOrigin(cfg.TemporalUIURL), cfg.CodecAuthToken))
	}

	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.HTTPAddr, err)
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	log.Info("endpoint listening", zap.String("addr", ln.Addr().String()))

	errc := make(chan error, 1)
	go func() {
		if cfg.HTTPTLSCert != "" {
			errc <- hs.ServeTLS(ln, cfg.HTTPTLSCert, cfg.HTTPTLSKey)
			return
		}
		errc <- hs.Serve(ln)
	}()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("endpoint stopping")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shut down: %w", err)
	}
	return nil
}

// uiOrigin is the scheme and host of the UI URL, for CORS.
func uiOrigin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
