// Package testenv starts the real components for integration tests: a
// Temporal dev server from the pinned CLI, the billing emulator, a worker
// and the HTTP endpoint, all on loopback and in temporary folders.
package testenv

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/portaplus2/batchcustomers/activities"
	"github.com/portaplus2/batchcustomers/api"
	"github.com/portaplus2/batchcustomers/app"
	"github.com/portaplus2/batchcustomers/billing"
	"github.com/portaplus2/batchcustomers/codec"
	"github.com/portaplus2/batchcustomers/config"
	"github.com/portaplus2/batchcustomers/emulator"
	"github.com/portaplus2/batchcustomers/store"
	"github.com/portaplus2/batchcustomers/workflows"
)

// TemporalBinary returns the path of the pinned Temporal CLI: the
// TEMPORAL_CLI variable, else .tools/bin/temporal at the module root.
// It fails the test when neither exists, because the SDK would otherwise
// try to download a CLI from the internet.
func TemporalBinary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("TEMPORAL_CLI"); p != "" {
		return p
	}
	p := filepath.Join(moduleRoot(t), ".tools", "bin", "temporal")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("Temporal CLI not found at %s: run scripts/install-temporal.sh (make tools) first", p)
	}
	return p
}

func moduleRoot(t testing.TB) string {
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test's folder")
		}
		dir = parent
	}
}

// DevServerArgs are the dev server flags the project always uses: a file
// database with WAL and relaxed fsync, about 2.5 times the default
// throughput.
var DevServerArgs = []string{
	"--sqlite-pragma", "journal_mode=wal",
	"--sqlite-pragma", "synchronous=normal",
	// Hand activities to the worker in the response to its workflow task
	// instead of through the task queue (off by default in the server).
	"--dynamic-config-value", "system.enableActivityEagerExecution=true",
}

// StartTemporal starts a dev server on a free loopback port with its
// database in a temporary folder and the service's search attributes, and
// stops it when the test ends.
func StartTemporal(t testing.TB) *testsuite.DevServer {
	t.Helper()
	return StartTemporalWith(t, temporal.NewSearchAttributes(
		workflows.SearchAttributeBatchID.ValueSet(""),
		workflows.SearchAttributeBatchStatus.ValueSet(""),
		workflows.SearchAttributeResellerID.ValueSet(0),
		workflows.SearchAttributeCustomerIndex.ValueSet(0),
		workflows.SearchAttributeCustomerLogin.ValueSet(""),
		workflows.SearchAttributeCustomerStatus.ValueSet(""),
	))
}

// StartTemporalWith starts a dev server with the given search attributes
// registered: their keys and types count, their values do not.
func StartTemporalWith(t testing.TB, attrs temporal.SearchAttributes) *testsuite.DevServer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out := &syncBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("Temporal dev server output:\n%s", out.tail(8<<10))
		}
	})
	srv, err := testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		Stdout:           out,
		Stderr:           out,
		ExistingPath:     TemporalBinary(t),
		DBFilename:       filepath.Join(t.TempDir(), "temporal.db"),
		LogLevel:         "warn",
		ExtraArgs:        DevServerArgs,
		SearchAttributes: attrs,
		ClientOptions: &client.Options{
			Logger: app.SDKLogger(zap.NewNop()),
		},
	})
	require.NoError(t, err, "start Temporal dev server")
	t.Cleanup(func() { _ = srv.Stop() })
	return srv
}

// SampleReseller is the ResellerID of the sample batches; the emulator
// creates that reseller so that customers can name it as their parent.
const SampleReseller = "4512"

// syncBuffer collects a process's output for a failing test's log.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) tail(n int) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	data := b.buf.Bytes()
	if len(data) > n {
		data = data[len(data)-n:]
	}
	return string(data)
}

// Emulator is a running billing emulator.
type Emulator struct {
	URL   string
	Admin *emulator.AdminClient
	srv   *emulator.Server
}

// StartEmulator starts the billing emulator on a free loopback port with
// its database in a temporary folder.
func StartEmulator(t testing.TB, cfg emulator.Config) *Emulator {
	t.Helper()
	if cfg.DBPath == "" {
		cfg.DBPath = filepath.Join(t.TempDir(), "billing.db")
	}
	if cfg.Resellers == "" {
		cfg.Resellers = SampleReseller
	}
	srv, err := emulator.New(cfg, zap.NewNop())
	require.NoError(t, err, "start billing emulator")
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		// Closing the emulator first releases calls held by a hang rule,
		// which the HTTP server's Close would otherwise wait for.
		_ = srv.Close()
		hs.Close()
	})
	return &Emulator{URL: hs.URL, Admin: &emulator.AdminClient{BaseURL: hs.URL}, srv: srv}
}

// Stack is the whole service on real components.
type Stack struct {
	Temporal *testsuite.DevServer
	Client   client.Client
	Emulator *Emulator
	Store    store.Store
	API      *httptest.Server
	Worker   worker.Worker
	Log      *zap.Logger
}

// StackOptions adjust a stack.
type StackOptions struct {
	Window         int
	ChildrenPerRun int
	Emulator       emulator.Config
	Licenses       []string
	// Codec, when set, encrypts every payload the stack writes.
	Codec *codec.AESGCM
	// Log, when set, receives the logs of the worker, the SDK, the billing
	// client and the endpoint; the default keeps warnings in the test log.
	Log *zap.Logger
	// StoreURL, when set, is the PostgreSQL store (see StartPostgres) of
	// the worker and the endpoint; the default is a new SQLite file.
	StoreURL string
}

// TaskQueue is the task queue of test stacks.
const TaskQueue = "batch-customers-test"

// StartStack starts Temporal, the emulator, a worker and the endpoint.
func StartStack(t testing.TB, opts StackOptions) *Stack {
	t.Helper()
	log := opts.Log
	if log == nil {
		log = zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))
	}
	s := &Stack{Log: log}
	s.Temporal = StartTemporal(t)
	cfg := config.Config{TemporalAddress: s.Temporal.FrontendHostPort(), TemporalNamespace: "default"}
	c, err := app.Dial(cfg, log, nil, opts.Codec)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	s.Client = c
	s.Emulator = StartEmulator(t, opts.Emulator)

	var st store.Store
	if opts.StoreURL != "" {
		st, err = store.OpenPostgres(context.Background(), opts.StoreURL)
	} else {
		st, err = store.OpenSQLite(filepath.Join(t.TempDir(), "batches.db"))
	}
	require.NoError(t, err, "open store")
	t.Cleanup(func() { _ = st.Close() })
	s.Store = st

	bc := billing.New(billing.Options{
		BaseURL: s.Emulator.URL, Login: "admin", Password: "admin-secret", Timeout: 10 * time.Second,
	}, log)
	// The worker's own options, heartbeats included. Poller autoscaling
	// stays off, so small test batches keep the SDK's two pollers.
	s.Worker = worker.New(s.Client, TaskQueue, app.WorkerOptions(config.Config{BillingConcurrency: 10}))
	app.Register(s.Worker, &activities.Activities{Billing: bc, Store: st})
	require.NoError(t, s.Worker.Start())
	t.Cleanup(s.Worker.Stop)

	srv := api.New(api.Options{
		MaxBodyBytes: 64 << 20, MaxCustomers: 10000, Licenses: opts.Licenses,
		TemporalUIURL: "http://localhost:8233", Namespace: "default",
	}, st, api.TemporalWorkflows{
		Client: s.Client, TaskQueue: TaskQueue, Window: opts.Window, ChildrenPerRun: opts.ChildrenPerRun,
	}, log)
	s.API = httptest.NewServer(srv.Handler())
	t.Cleanup(s.API.Close)
	return s
}
