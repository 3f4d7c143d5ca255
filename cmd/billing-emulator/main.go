// Command billing-emulator serves the PortaBilling API emulator until
// SIGINT or SIGTERM. It is configured through BILLING_EMU_* environment
// variables; -h lists them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/kelseyhightower/envconfig"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/portaplus2/batchcustomers/emulator"
)

// envPrefix is the prefix of every environment variable the command reads.
const envPrefix = "BILLING_EMU"

// settings adds the command's own variables to the emulator config.
type settings struct {
	emulator.Config
	LogLevel        string        `envconfig:"LOG_LEVEL" default:"info" desc:"log level: debug logs every API call"`
	ShutdownTimeout time.Duration `envconfig:"SHUTDOWN_TIMEOUT" default:"10s" desc:"time to wait for open requests on shutdown"`
}

func main() {
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: billing-emulator\n\n")
		_ = envconfig.Usage(envPrefix, &settings{})
	}
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "billing-emulator:", err)
		os.Exit(1)
	}
}

// run serves until ctx is cancelled, then stops the HTTP server and closes
// the emulator.
func run(ctx context.Context) error {
	var cfg settings
	if err := envconfig.Process(envPrefix, &cfg); err != nil {
		return fmt.Errorf("load config: %w", err)
	}
	log, err := newLogger(cfg.LogLevel)
	if err != nil {
		return err
	}
	defer func() { _ = log.Sync() }()

	emu, err := emulator.New(cfg.Config, log)
	if err != nil {
		return fmt.Errorf("start emulator: %w", err)
	}
	defer func() {
		if err := emu.Close(); err != nil {
			log.Error("close emulator", zap.Error(err))
		}
	}()

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	srv := &http.Server{Handler: emu.Handler(), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("billing emulator listening", zap.String("addr", ln.Addr().String()))

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}

	log.Info("billing emulator stopping", zap.Duration("shutdown_timeout", cfg.ShutdownTimeout))
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		// Requests held by hang rules keep Shutdown waiting; closing the
		// connections cancels them.
		log.Warn("shutdown timed out, closing open connections", zap.Error(err))
		_ = srv.Close()
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("billing emulator stopped")
	return nil
}

func newLogger(level string) (*zap.Logger, error) {
	lvl, err := zapcore.ParseLevel(level)
	if err != nil {
		return nil, fmt.Errorf("log level %q is invalid: use debug, info, warn or error", level)
	}
	zcfg := zap.NewProductionConfig()
	zcfg.Level = zap.NewAtomicLevelAt(lvl)
	log, err := zcfg.Build()
	if err != nil {
		return nil, fmt.Errorf("build logger: %w", err)
	}
	return log, nil
}
