package bench_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"go.uber.org/zap"

	"github.com/portaplus2/batchcustomers/api"
	"github.com/portaplus2/batchcustomers/app"
	"github.com/portaplus2/batchcustomers/bench"
	"github.com/portaplus2/batchcustomers/billing"
	"github.com/portaplus2/batchcustomers/config"
	"github.com/portaplus2/batchcustomers/emulator"
	"github.com/portaplus2/batchcustomers/internal/testenv"
	"github.com/portaplus2/batchcustomers/provision"
	"github.com/portaplus2/batchcustomers/store"
	"github.com/portaplus2/batchcustomers/wire"
	"github.com/portaplus2/batchcustomers/workflows"
)

// settings of one benchmark run, from BENCH_* variables.
type settings struct {
	customers   int
	latency     time.Duration
	window      int
	concurrency int
	workers     int
	// activitiesPerSecond is BATCH_ACTIVITIES_PER_SECOND for the
	// workers; 0 leaves the task queue unpaced.
	activitiesPerSecond float64
	// store is the claim-check store: sqlite (the default) or postgres,
	// a private PostgreSQL server started for the run.
	store string
	// pollerAutoscaling is BATCH_POLLER_AUTOSCALING for the service and
	// the ceiling alike.
	pollerAutoscaling bool
	// rounds is how many times the service and the ceiling run.
	rounds int
	// compression is BATCH_TEMPORAL_COMPRESSION for the service and the
	// ceiling alike.
	compression string
	// profiles names a folder for CPU profiles of the worker; "" takes
	// none.
	profiles string
}

func load(b *testing.B) settings {
	s := settings{customers: 1000, window: 40, concurrency: 20, workers: 1, rounds: 3}
	if v := os.Getenv("BENCH_ROUNDS"); v != "" {
		n, err := strconv.Atoi(v)
		require.NoError(b, err, "BENCH_ROUNDS")
		s.rounds = max(1, n)
	}
	if v := os.Getenv("BENCH_CUSTOMERS"); v != "" {
		n, err := strconv.Atoi(v)
		require.NoError(b, err, "BENCH_CUSTOMERS")
		s.customers = n
	}
	if v := os.Getenv("BENCH_WINDOW"); v != "" {
		n, err := strconv.Atoi(v)
		require.NoError(b, err, "BENCH_WINDOW")
		s.window = n
	}
	if v := os.Getenv("BENCH_WORKERS"); v != "" {
		n, err := strconv.Atoi(v)
		require.NoError(b, err, "BENCH_WORKERS")
		s.workers = n
	}
	s.profiles = os.Getenv("BENCH_PROFILES")
	s.store = cmp.Or(os.Getenv("BENCH_STORE"), "sqlite")
	require.Contains(b, []string{"sqlite", "postgres"}, s.store, "BENCH_STORE")
	if v := os.Getenv("BENCH_ACTIVITIES_PER_SECOND"); v != "" {
		n, err := strconv.ParseFloat(v, 64)
		require.NoError(b, err, "BENCH_ACTIVITIES_PER_SECOND")
		s.activitiesPerSecond = n
	}
	s.compression = cmp.Or(os.Getenv("BENCH_COMPRESSION"), "none")
	s.pollerAutoscaling = os.Getenv("BENCH_POLLER_AUTOSCALING") != "false"
	if v := os.Getenv("BENCH_LATENCY"); v != "" {
		d, err := time.ParseDuration(v)
		require.NoError(b, err, "BENCH_LATENCY")
		s.latency = d
	}
	return s
}

// BenchmarkService runs one batch through the real stack and the two
// baselines, and prints their rates and ratios. It measures wall time of
// single runs on a shared machine, so compare the ratios, which are taken
// in the same run, rather than absolute numbers across runs.
func BenchmarkService(b *testing.B) {
	s := load(b)
	// Rounds alternate the service and the ceiling, each on a fresh dev
	// server, and the best round of each counts: a neighbour's load on
	// this shared machine only ever slows a run down.
	var svc serviceResult
	var ceiling float64
	var ceilingCPU map[string]time.Duration
	var ceilingOps map[string]float64
	var svcRates, ceilingRates []string
	for range s.rounds {
		r := runService(b, s)
		svcRates = append(svcRates, fmt.Sprintf("%.1f", r.rate))
		if r.rate > svc.rate {
			svc = r
		}
		c, cpu, ops := runCeiling(b, s, r.activitiesPerCustomer, r.localPerCustomer)
		ceilingRates = append(ceilingRates, fmt.Sprintf("%.1f", c))
		if c > ceiling {
			ceiling, ceilingCPU, ceilingOps = c, cpu, ops
		}
	}
	direct := runDirect(b, s)

	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "\ncustomers %d, billing latency %s, window %d, billing concurrency %d, %d worker(s), "+
		"gRPC compression %s, %s store, poller autoscaling %t\n", s.customers, s.latency, s.window, s.concurrency,
		s.workers, s.compression, s.store, s.pollerAutoscaling)
	fmt.Fprintln(tw, "run\tcustomers/s\tbilling calls/s\tp50/customer\tp95/customer\tpeak RSS\t")
	fmt.Fprintf(tw, "service\t%.1f\t%.0f\t%s\t%s\tworker %s, endpoint %s\t\n", svc.rate, svc.callRate,
		svc.p50.Round(time.Millisecond), svc.p95.Round(time.Millisecond), mib(svc.workerRSS), mib(svc.endpointRSS))
	fmt.Fprintf(tw, "Temporal ceiling (%d trivial activities and %d local ones a customer)\t%.1f\t\t\t\t\t\n",
		svc.activitiesPerCustomer, svc.localPerCustomer, ceiling)
	fmt.Fprintf(tw, "direct billing loop, no Temporal\t%.1f\t\t\t\t\t\n", direct)
	_ = tw.Flush()
	fmt.Printf("customers/s of each round: service %s, Temporal ceiling %s (the best counts)\n",
		strings.Join(svcRates, " "), strings.Join(ceilingRates, " "))
	fmt.Printf("CPU ms per customer, service: %s\n", cpuLine(svc.cpu, s.customers))
	fmt.Printf("CPU ms per customer, Temporal ceiling: %s\n", cpuLine(ceilingCPU, s.customers))
	printOps(svc.ops, ceilingOps, s.customers)
	fmt.Printf("billing calls: at most %d at once (ceiling %d), at most %d started in one second",
		svc.peakCalls, s.concurrency, svc.peakCallsPerSecond)
	if s.activitiesPerSecond > 0 {
		fmt.Printf(" (task queue paced at %g activities/s)", s.activitiesPerSecond)
	}
	fmt.Println()
	fmt.Printf("request: %s of XML, accepted in %s\n", mib(svc.bodyBytes), svc.accepted.Round(time.Millisecond))
	fmt.Printf("largest batch run: %d events, %s of history, in %d runs\n",
		svc.maxEvents, mib(svc.maxHistoryBytes), svc.runs)
	fmt.Printf("ratio service / Temporal ceiling: %.2f\n", svc.rate/ceiling)
	fmt.Printf("ratio service / direct billing loop: %.2f\n", svc.rate/direct)
	if s.latency > 0 {
		bound := float64(s.concurrency) / (svc.callsPerCustomer * s.latency.Seconds())
		fmt.Printf("bound set by %d concurrent calls of %s: %.1f customers/s; ratio service / bound: %.2f\n",
			s.concurrency, s.latency, bound, svc.rate/bound)
	}
	b.ReportMetric(svc.rate, "customers/s")
	b.ReportMetric(svc.rate/ceiling, "ratio_to_ceiling")
}

type serviceResult struct {
	rate, callRate, callsPerCustomer float64
	p50, p95                         time.Duration
	workerRSS, endpointRSS           int64
	maxEvents, maxHistoryBytes       int64
	runs                             int
	// peakCalls is the most billing calls in flight at once, and
	// peakCallsPerSecond the most started within one second.
	peakCalls, peakCallsPerSecond int
	// cpu is the CPU time each process used, from start to the end of
	// the batch.
	cpu map[string]time.Duration
	// ops counts the dev server's requests and persistence operations.
	ops map[string]float64
	// accepted is the endpoint's response time to the request of
	// bodyBytes.
	accepted  time.Duration
	bodyBytes int64
	// activitiesPerCustomer and localPerCustomer count a customer's
	// regular and local activities: the billing steps and the store-only
	// Begin and Finish.
	activitiesPerCustomer, localPerCustomer int
}

func mib(n int64) string { return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20)) }

func runService(b *testing.B, s settings) serviceResult {
	selfStart := selfCPU()
	tp := testenv.StartTemporalProcess(b)
	emu := testenv.StartEmulator(b, emulator.Config{Latency: s.latency, JournalSize: s.customers * 30})
	storeURL := ""
	if s.store == "postgres" {
		storeURL = testenv.StartPostgres(b)
	}
	storePath := filepath.Join(b.TempDir(), "batches.db")
	bin := testenv.Binaries(b)
	common := []string{
		"BATCH_TEMPORAL_ADDRESS=" + tp.Address, "BATCH_TASK_QUEUE=bench",
		"BATCH_STORE_PATH=" + storePath, "BATCH_STORE_URL=" + storeURL,
		"BATCH_LOG_LEVEL=warn", "BATCH_LOG_FORMAT=json", "BATCH_METRICS_ADDR=",
		"BATCH_TEMPORAL_COMPRESSION=" + s.compression,
		"BATCH_POLLER_AUTOSCALING=" + strconv.FormatBool(s.pollerAutoscaling),
	}
	// The billing concurrency is shared out between the workers, so the
	// ceiling on concurrent calls stays the same whatever their number.
	var workerProcs []*testenv.Process
	var workerProfiles []string
	for range s.workers {
		env := append(common, "BATCH_BILLING_URL="+emu.URL,
			"BATCH_BILLING_CONCURRENCY="+strconv.Itoa(max(1, s.concurrency/s.workers)),
			"BATCH_ACTIVITIES_PER_SECOND="+strconv.FormatFloat(s.activitiesPerSecond, 'f', -1, 64))
		if s.profiles != "" {
			addr := "127.0.0.1:" + strconv.Itoa(testenv.FreePort(b))
			env = append(env, "BATCH_PPROF_ADDR="+addr)
			workerProfiles = append(workerProfiles, addr)
		}
		workerProcs = append(workerProcs, testenv.StartProcess(b, filepath.Join(bin, "worker"), env))
	}
	port := testenv.FreePort(b)
	endpoint := testenv.StartProcess(b, filepath.Join(bin, "starter"), append(common,
		"BATCH_HTTP_ADDR=127.0.0.1:"+strconv.Itoa(port), "BATCH_WINDOW="+strconv.Itoa(s.window)))
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	waitHealthy(b, base)
	c, err := app.Dial(config.Config{TemporalAddress: tp.Address, TemporalNamespace: "default"}, zap.NewNop(), nil, nil)
	require.NoError(b, err)
	defer c.Close()

	// The batch goes in as DataContract XML, the largest form clients send.
	body, err := wire.EncodeXML(testenv.MakeBatch(b, s.customers, 0), nil)
	require.NoError(b, err)
	start := time.Now()
	resp, err := http.Post(base+"/xml/reply/BatchCustomerCreation", "application/xml", bytes.NewReader(body))
	require.NoError(b, err)
	var reply api.AcceptedReply
	require.NoError(b, xml.NewDecoder(resp.Body).Decode(&reply))
	resp.Body.Close()
	require.Equal(b, http.StatusOK, resp.StatusCode)
	accepted := time.Since(start)
	bodyBytes := int64(len(body))
	body = nil
	if s.profiles != "" {
		// This process runs the emulator: profile it for the whole batch.
		f, err := os.Create(filepath.Join(s.profiles, "emulator.cpu.pprof"))
		require.NoError(b, err)
		require.NoError(b, pprof.StartCPUProfile(f))
		defer func() {
			pprof.StopCPUProfile()
			_ = f.Close()
		}()
	}
	if len(workerProfiles) > 0 {
		// A profile of the first worker over the first part of the run.
		// The length assumes at most 60 customers a second, so that the
		// worker is still up when the profile ends.
		seconds := max(5, s.customers/60)
		go saveProfile(b, "http://"+workerProfiles[0]+"/debug/pprof/profile?seconds="+strconv.Itoa(seconds),
			filepath.Join(s.profiles, "worker.cpu.pprof"))
	}
	// Waiting on the batch workflow's result follows its continue-as-new
	// runs and costs no polling, as waiting on the ceiling does.
	var result workflows.BatchResult
	require.NoError(b, c.GetWorkflow(context.Background(), reply.WorkflowID, "").Get(context.Background(), &result))
	elapsed := time.Since(start)
	require.Equal(b, store.StateCompleted, result.State, "every customer must be created")
	r, err := http.Get(base + "/batches/" + reply.BatchID + "?limit=1")
	require.NoError(b, err)
	var rep api.BatchReport
	require.NoError(b, json.NewDecoder(r.Body).Decode(&rep))
	r.Body.Close()
	require.Equal(b, store.StateCompleted, rep.State, "the store must show the batch completed")

	res := serviceResult{rate: float64(s.customers) / elapsed.Seconds(), accepted: accepted, bodyBytes: bodyBytes,
		cpu: map[string]time.Duration{"Temporal": tp.CPUTime(), "endpoint": endpoint.CPUTime(),
			"emulator and benchmark": selfCPU() - selfStart},
		endpointRSS: endpoint.PeakRSS(), activitiesPerCustomer: 5, localPerCustomer: 2}
	for _, w := range workerProcs {
		res.workerRSS = max(res.workerRSS, w.PeakRSS())
		res.cpu["worker"] += w.CPUTime()
	}
	// Read before the listing and describing below add their own requests.
	res.ops = temporalOps(b, tp.MetricsURL)
	calls, err := emu.Admin.Calls(context.Background())
	require.NoError(b, err)
	res.callRate = float64(len(calls)) / elapsed.Seconds()
	res.peakCalls, res.peakCallsPerSecond = callPeaks(calls)
	res.callsPerCustomer = float64(len(calls)) / float64(s.customers)

	res.p50, res.p95 = customerTimes(b, c, reply.BatchID)
	res.maxEvents, res.maxHistoryBytes, res.runs = batchHistory(b, c, reply.WorkflowID)
	// Stop everything now, so that an idle stack does not take CPU from
	// the next run.
	for _, w := range workerProcs {
		w.Stop()
	}
	endpoint.Stop()
	tp.Stop()
	return res
}

// customerTimes returns the median and 95th percentile of the customer
// workflows' run times.
func customerTimes(b *testing.B, c client.Client, batchID string) (time.Duration, time.Duration) {
	var times []time.Duration
	var token []byte
	for {
		resp, err := c.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{
			Query: "WorkflowType='CustomerWorkflow' AND BatchId='" + batchID + "'", NextPageToken: token, PageSize: 1000})
		require.NoError(b, err)
		for _, e := range resp.GetExecutions() {
			if e.GetCloseTime() != nil {
				times = append(times, e.GetCloseTime().AsTime().Sub(e.GetStartTime().AsTime()))
			}
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			break
		}
	}
	if len(times) == 0 {
		return 0, 0
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	return times[len(times)/2], times[len(times)*95/100]
}

// batchHistory returns the largest history of the batch's runs.
func batchHistory(b *testing.B, c client.Client, workflowID string) (int64, int64, int) {
	resp, err := c.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{
		Query: "WorkflowId='" + workflowID + "'", PageSize: 1000})
	require.NoError(b, err)
	var events, size int64
	for _, e := range resp.GetExecutions() {
		// Describe reads the run itself: the visibility record of the last
		// run may not have its final length yet.
		d, err := c.DescribeWorkflowExecution(context.Background(), workflowID, e.GetExecution().GetRunId())
		require.NoError(b, err)
		events = max(events, d.GetWorkflowExecutionInfo().GetHistoryLength())
		size = max(size, d.GetWorkflowExecutionInfo().GetHistorySizeBytes())
	}
	return events, size, len(resp.GetExecutions())
}

// runCeiling runs the same number of customers as trivial children.
func runCeiling(b *testing.B, s settings, activities, local int) (float64, map[string]time.Duration, map[string]float64) {
	selfStart := selfCPU()
	tp := testenv.StartTemporalProcess(b)
	c, err := app.Dial(config.Config{TemporalAddress: tp.Address, TemporalNamespace: "default",
		TemporalCompression: s.compression}, zap.NewNop(), nil, nil)
	require.NoError(b, err)
	defer c.Close()
	// The same worker options as the service's worker, pollers included.
	w := worker.New(c, "ceiling", app.WorkerOptions(config.Config{BillingConcurrency: s.concurrency,
		PollerAutoscaling: s.pollerAutoscaling}))
	w.RegisterWorkflowWithOptions(bench.CeilingParent, workflow.RegisterOptions{Name: "CeilingParent"})
	w.RegisterWorkflowWithOptions(bench.CeilingChild, workflow.RegisterOptions{Name: "CeilingChild"})
	w.RegisterActivity(bench.Noop)
	require.NoError(b, w.Start())

	start := time.Now()
	run, err := c.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{TaskQueue: "ceiling"}, "CeilingParent",
		bench.CeilingInput{Total: s.customers, Window: s.window, PerRun: 500, Activities: activities, Local: local})
	require.NoError(b, err)
	require.NoError(b, run.Get(context.Background(), nil))
	rate := float64(s.customers) / time.Since(start).Seconds()
	cpu := map[string]time.Duration{"Temporal": tp.CPUTime(), "worker in the benchmark": selfCPU() - selfStart}
	ops := temporalOps(b, tp.MetricsURL)
	w.Stop()
	tp.Stop()
	return rate, cpu, ops
}

// callPeaks returns the most calls in flight at the same time and the most
// started within any one second, from the emulator's journal.
func callPeaks(calls []emulator.Call) (int, int) {
	type edge struct {
		at    time.Time
		delta int
	}
	edges := make([]edge, 0, 2*len(calls))
	starts := make([]time.Time, 0, len(calls))
	for _, c := range calls {
		end := c.Time.Add(time.Duration(c.DurationMS) * time.Millisecond)
		edges = append(edges, edge{c.Time, 1}, edge{end, -1})
		starts = append(starts, c.Time)
	}
	// Ends sort before starts at the same instant, so that back-to-back
	// calls do not count as overlapping.
	sort.Slice(edges, func(i, j int) bool {
		if edges[i].at.Equal(edges[j].at) {
			return edges[i].delta < edges[j].delta
		}
		return edges[i].at.Before(edges[j].at)
	})
	inFlight, peak := 0, 0
	for _, e := range edges {
		inFlight += e.delta
		peak = max(peak, inFlight)
	}

	sort.Slice(starts, func(i, j int) bool { return starts[i].Before(starts[j]) })
	perSecond := 0
	for i, j := 0, 0; j < len(starts); j++ {
		for starts[j].Sub(starts[i]) >= time.Second {
			i++
		}
		perSecond = max(perSecond, j-i+1)
	}
	return peak, perSecond
}

// saveProfile fetches a profile from url into path. It runs beside the
// batch, so it only logs what goes wrong.
func saveProfile(b *testing.B, url, path string) {
	resp, err := http.Get(url)
	if err != nil {
		b.Logf("fetch profile: %v", err)
		return
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err == nil {
		err = os.WriteFile(path, data, 0o644)
	}
	if err != nil {
		b.Logf("save profile %s: %v", path, err)
		return
	}
	fmt.Printf("profile saved: %s\n", path)
}

// waitHealthy waits until the endpoint at base responds 200 to /healthz.
func waitHealthy(b *testing.B, base string) {
	require.Eventually(b, func() bool {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == http.StatusOK
	}, time.Minute, 100*time.Millisecond)
}

// selfCPU returns the CPU time this process has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuLine formats CPU times as milliseconds per customer, largest first.
func cpuLine(cpu map[string]time.Duration, customers int) string {
	names := make([]string, 0, len(cpu))
	for name := range cpu {
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool { return cpu[names[i]] > cpu[names[j]] })
	parts := make([]string, 0, len(names))
	for _, name := range names {
		parts = append(parts, fmt.Sprintf("%s %.1f", name, float64(cpu[name].Milliseconds())/float64(customers)))
	}
	return strings.Join(parts, ", ")
}

// runDirect creates the same customers straight in a fresh emulator.
func runDirect(b *testing.B, s settings) float64 {
	emu := testenv.StartEmulator(b, emulator.Config{Latency: s.latency})
	bc := billing.New(billing.Options{BaseURL: emu.URL, Login: "admin", Password: "admin-secret"}, zap.NewNop())
	batch := testenv.MakeBatch(b, s.customers, 0)
	rows := make([]provision.RowData, len(batch.CustData))
	for i := range rows {
		raw, err := provision.EncodeRow(batch, i)
		require.NoError(b, err)
		rows[i], err = provision.DecodeRow(raw)
		require.NoError(b, err)
	}
	start := time.Now()
	require.NoError(b, bench.DirectLoop(context.Background(), bc, rows, s.concurrency))
	return float64(s.customers) / time.Since(start).Seconds()
}
