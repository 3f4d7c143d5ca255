package app

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"go.uber.org/zap"
)

// Serve serves h on addr in the background until the returned stop is
// called. name labels the listener in errors and logs, such as "metrics".
func Serve(addr, name string, h http.Handler, log *zap.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen for %s on %s: %w", name, addr, err)
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("serve "+name, zap.Error(err))
		}
	}()
	log.Info(name+" listening", zap.String("addr", ln.Addr().String()))
	return func() { _ = hs.Close() }, nil
}

// ServeProfiles serves Go's runtime profiles under /debug/pprof/ on addr
// until the returned stop is called. The profiles show where a process
// spends its CPU and memory, and also its stacks, so addr belongs on
// loopback or a private network.
func ServeProfiles(addr string, log *zap.Logger) (stop func(), err error) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return Serve(addr, "profiles", mux, log)
}
