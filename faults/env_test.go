package faults_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.uber.org/zap"

	"github.com/portaplus2/batchcustomers/api"
	"github.com/portaplus2/batchcustomers/app"
	"github.com/portaplus2/batchcustomers/config"
	"github.com/portaplus2/batchcustomers/emulator"
	"github.com/portaplus2/batchcustomers/internal/testenv"
	"github.com/portaplus2/batchcustomers/store"
	"github.com/portaplus2/batchcustomers/wire"
)

const taskQueue = "batch-customers-faults"

// emuServer is the billing emulator behind a listener the test can close
// and open again on the same port, as a billing outage would.
type emuServer struct {
	srv   *emulator.Server
	addr  string
	URL   string
	Admin *emulator.AdminClient
	mu    sync.Mutex
	hs    *http.Server
}

func startEmulator(t *testing.T, cfg emulator.Config) *emuServer {
	t.Helper()
	cfg.DBPath = filepath.Join(t.TempDir(), "billing.db")
	cfg.Resellers = testenv.SampleReseller
	srv, err := emulator.New(cfg, zap.NewNop())
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	e := &emuServer{srv: srv, addr: ln.Addr().String()}
	e.URL = "http://" + e.addr
	e.Admin = &emulator.AdminClient{BaseURL: e.URL}
	e.serve(ln)
	t.Cleanup(func() {
		e.Down()
		_ = srv.Close()
	})
	return e
}

func (e *emuServer) serve(ln net.Listener) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.hs = &http.Server{Handler: e.srv.Handler()}
	go func() { _ = e.hs.Serve(ln) }()
}

// Down stops serving, so connections are refused.
func (e *emuServer) Down() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.hs != nil {
		_ = e.hs.Close()
		e.hs = nil
	}
}

// Up serves again on the same address.
func (e *emuServer) Up(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", e.addr)
	require.NoError(t, err)
	e.serve(ln)
}

// stack runs the service with the dev server and the workers as their
// own processes, so that the test can kill and restart them.
type stack struct {
	temporal  *testenv.TemporalProcess
	client    client.Client
	emu       *emuServer
	store     *store.SQLite
	storePath string
	api       *httptest.Server
	workers   []*testenv.Process
}

type stackOptions struct {
	workers        int
	window         int
	childrenPerRun int
	emulator       emulator.Config
}

func startStack(t *testing.T, opts stackOptions) *stack {
	t.Helper()
	if opts.workers == 0 {
		opts.workers = 1
	}
	s := &stack{temporal: testenv.StartTemporalProcess(t)}
	s.emu = startEmulator(t, opts.emulator)
	s.storePath = filepath.Join(t.TempDir(), "batches.db")
	st, err := store.OpenSQLite(s.storePath)
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	s.store = st

	c, err := app.Dial(config.Config{TemporalAddress: s.temporal.Address, TemporalNamespace: "default"}, zap.NewNop(), nil, nil)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	s.client = c

	for range opts.workers {
		s.workers = append(s.workers, s.startWorker(t))
	}
	srv := api.New(api.Options{MaxBodyBytes: 64 << 20, MaxCustomers: 10000,
		TemporalUIURL: "http://localhost:8233", Namespace: "default"},
		st, api.TemporalWorkflows{Client: c, TaskQueue: taskQueue, Window: opts.window, ChildrenPerRun: opts.childrenPerRun},
		zap.NewNop())
	s.api = httptest.NewServer(srv.Handler())
	t.Cleanup(s.api.Close)
	return s
}

func (s *stack) startWorker(t *testing.T) *testenv.Process {
	t.Helper()
	env := []string{
		"BATCH_TEMPORAL_ADDRESS=" + s.temporal.Address,
		"BATCH_TASK_QUEUE=" + taskQueue,
		"BATCH_STORE_PATH=" + s.storePath,
		"BATCH_BILLING_URL=" + s.emu.URL,
		"BATCH_BILLING_TIMEOUT=2s",
		"BATCH_METRICS_ADDR=",
		"BATCH_LOG_FORMAT=json",
		"BATCH_LOG_LEVEL=warn",
	}
	return testenv.StartProcess(t, filepath.Join(testenv.Binaries(t), "worker"), env)
}

// submit posts a batch and returns its id.
func (s *stack) submit(t *testing.T, b *wire.BatchCustomerCreation) string {
	t.Helper()
	body, err := json.Marshal(b)
	require.NoError(t, err)
	resp, err := http.Post(s.api.URL+"/json/reply/BatchCustomerCreation", "application/json", strings.NewReader(string(body)))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var reply api.AcceptedReply
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&reply))
	return reply.BatchID
}

func (s *stack) report(t *testing.T, id string) api.BatchReport {
	t.Helper()
	resp, err := http.Get(s.api.URL + "/batches/" + id + "?limit=10000")
	require.NoError(t, err)
	defer resp.Body.Close()
	var rep api.BatchReport
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&rep))
	return rep
}

// waitDone polls until the batch ends.
func (s *stack) waitDone(t *testing.T, id string, timeout time.Duration) api.BatchReport {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		rep := s.report(t, id)
		switch rep.State {
		case store.StateCompleted, store.StateCompletedWithErrors, store.StateCancelled:
			return rep
		}
		if time.Now().After(deadline) {
			t.Fatalf("batch %s still %s after %s: %+v", id, rep.State, timeout, rep.Counts)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// waitFinished polls until at least n customers of the batch ended.
func (s *stack) waitFinished(t *testing.T, id string, n int) {
	t.Helper()
	require.Eventually(t, func() bool {
		rep := s.report(t, id)
		done := 0
		for _, c := range rep.Counts {
			if c.Status != store.StatusPending && c.Status != store.StatusRunning {
				done += c.Count
			}
		}
		return done >= n
	}, 2*time.Minute, 100*time.Millisecond)
}

func (s *stack) state(t *testing.T) testenv.BillingView {
	t.Helper()
	st, err := s.emu.Admin.State(context.Background())
	require.NoError(t, err)
	return testenv.BillingView{St: st}
}

// outcome counts a finished batch and checks billing: each customer
// expected to be created exists exactly once with everything it needs,
// and each other one left nothing open.
type outcome struct {
	customers, created, failed, rolledBack, duplicates int
}

func (s *stack) check(t *testing.T, b *wire.BatchCustomerCreation, id string, rep api.BatchReport, wantFailed map[int]bool) outcome {
	t.Helper()
	v := s.state(t)
	o := outcome{customers: len(b.CustData)}
	for i, row := range b.CustData {
		name := row.Customer.Customer.PersonalInformation.Name
		if n := len(v.CustomersNamed(name)); n > 1 {
			o.duplicates += n - 1
		}
		for _, a := range row.Account.AccountRequest.AccountsToCreate {
			open := 0
			for _, acc := range v.AccountsWithID(a.AcntId) {
				if acc.BillStatus != "C" {
					open++
				}
			}
			if open > 1 {
				o.duplicates += open - 1
			}
		}
		switch rep.Customers[i].Status {
		case store.StatusCreated:
			o.created++
		case store.StatusFailed:
			o.failed++
		case store.StatusRolledBack:
			o.rolledBack++
		}
		if wantFailed[i] {
			testenv.AssertNothingLive(t, v, row, fmt.Sprintf("batch-%s-customer-%d", id, i))
			continue
		}
		testenv.AssertCreated(t, v, row)
	}
	return o
}

// waitFired waits until the emulator's fault rule has fired once.
func (s *stack) waitFired(t *testing.T, ruleID string) {
	t.Helper()
	require.Eventually(t, func() bool {
		rules, err := s.emu.Admin.Faults(context.Background())
		require.NoError(t, err)
		for _, r := range rules {
			if r.ID == ruleID {
				return r.Fired > 0
			}
		}
		return false
	}, time.Minute, 10*time.Millisecond)
}

// aliasStarted returns the start of the AddAlias step in a customer's
// history: the last attempt, with the failure of the one before.
func (s *stack) aliasStarted(t *testing.T, workflowID string) *historypb.ActivityTaskStartedEventAttributes {
	t.Helper()
	hist := s.client.GetWorkflowHistory(context.Background(), workflowID, "", false, 0)
	scheduled := map[int64]string{}
	var started *historypb.ActivityTaskStartedEventAttributes
	for hist.HasNext() {
		ev, err := hist.Next()
		require.NoError(t, err)
		if a := ev.GetActivityTaskScheduledEventAttributes(); a != nil {
			scheduled[ev.GetEventId()] = a.GetActivityType().GetName()
		}
		if a := ev.GetActivityTaskStartedEventAttributes(); a != nil && scheduled[a.GetScheduledEventId()] == "AddAlias" {
			started = a
		}
	}
	require.NotNil(t, started, "the alias step of %s never started", workflowID)
	return started
}
