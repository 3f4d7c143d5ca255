package workflows_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/portaplus2/batchcustomers/store"
	"github.com/portaplus2/batchcustomers/workflows"
)

// updateCallback collects the outcome of one update.
type updateCallback struct {
	mu       sync.Mutex
	rejected error
	accepted bool
	result   interface{}
	err      error
	done     bool
}

func (u *updateCallback) Accept() { u.mu.Lock(); u.accepted = true; u.mu.Unlock() }
func (u *updateCallback) Reject(err error) {
	u.mu.Lock()
	u.rejected = err
	u.done = true
	u.mu.Unlock()
}
func (u *updateCallback) Complete(success interface{}, err error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.result, u.err, u.done = success, err, true
}

// failingChildren makes the listed indexes fail on their first attempt
// only, and records the workflow ids of every attempt.
type failingChildren struct {
	mu     sync.Mutex
	failed map[int]bool
	ids    []string
	delay  time.Duration
}

func (f *failingChildren) run(ctx workflow.Context, in workflows.CustomerInput) (workflows.CustomerResult, error) {
	if f.delay > 0 {
		_ = workflow.Sleep(ctx, f.delay)
	}
	f.mu.Lock()
	f.ids = append(f.ids, workflows.CustomerWorkflowID(in.BatchID, in.Index, in.Attempt))
	f.mu.Unlock()
	res := workflows.CustomerResult{BatchID: in.BatchID, Index: in.Index, Status: store.StatusCreated}
	if f.failed[in.Index] && in.Attempt == 1 {
		res.Status = store.StatusFailed
		return res, temporal.NewNonRetryableApplicationError("failed", workflows.ErrorTypeCustomerFailed, nil, res)
	}
	return res, nil
}

func TestRetryUpdateRunsNewAttempt(t *testing.T) {
	children := &failingChildren{failed: map[int]bool{1: true, 3: true}, delay: time.Second}
	b := newBatchEnv(t, children.run)
	var bad, twice, good, again updateCallback
	// At 2.5 s customers 0 to 3 are done, 1 and 3 failed, and 4 runs.
	b.env.RegisterDelayedCallback(func() {
		b.env.UpdateWorkflow(workflows.UpdateRetryCustomers, "u-bad", &bad, workflows.RetryRequest{Indexes: []int{0, 9}})
		b.env.UpdateWorkflow(workflows.UpdateRetryCustomers, "u-twice", &twice, workflows.RetryRequest{Indexes: []int{1, 1}})
		b.env.UpdateWorkflow(workflows.UpdateRetryCustomers, "u-good", &good, workflows.RetryRequest{Indexes: []int{1}})
		b.env.UpdateWorkflow(workflows.UpdateRetryCustomers, "u-again", &again, workflows.RetryRequest{Indexes: []int{1}})
	}, 2500*time.Millisecond)

	b.env.ExecuteWorkflow(workflows.Batch, workflows.BatchInput{BatchID: "b1", Total: 5, Window: 2})

	require.NoError(t, b.env.GetWorkflowError())
	require.Error(t, bad.rejected)
	assert.Contains(t, bad.rejected.Error(), "customer 0 is created, not failed")
	assert.Contains(t, bad.rejected.Error(), "index 9 is not in this batch of 5 customers")
	require.Error(t, twice.rejected)
	assert.Contains(t, twice.rejected.Error(), "index 1 is listed twice")
	require.NoError(t, good.rejected)
	require.NoError(t, good.err)
	res, ok := good.result.(workflows.RetryResult)
	require.True(t, ok, "result %T", good.result)
	require.Len(t, res.Retries, 1)
	assert.Equal(t, "batch-b1-customer-1-a2", res.Retries[0].WorkflowID)
	require.Error(t, again.rejected, "a second retry of the same customer is rejected")
	// By then the retry is queued or already running; either way it is
	// not started twice.
	assert.Regexp(t, "customer 1 is (already queued for a retry|still running)", again.rejected.Error())

	var out workflows.BatchResult
	require.NoError(t, b.env.GetWorkflowResult(&out))
	assert.Equal(t, store.StatusCreated, out.Customers[1].Status)
	assert.Equal(t, 2, out.Customers[1].Attempts)
	assert.Equal(t, store.StatusFailed, out.Customers[3].Status, "customer 3 was not retried")
	assert.Equal(t, store.StateCompletedWithErrors, out.State)
	assert.Contains(t, children.ids, "batch-b1-customer-1-a2")
	assert.Len(t, children.ids, 6)
}

func TestRetryAllFailedValidation(t *testing.T) {
	children := &failingChildren{delay: time.Second}
	b := newBatchEnv(t, children.run)
	var none, empty updateCallback
	b.env.RegisterDelayedCallback(func() {
		b.env.UpdateWorkflow(workflows.UpdateRetryCustomers, "u1", &none, workflows.RetryRequest{AllFailed: true})
		b.env.UpdateWorkflow(workflows.UpdateRetryCustomers, "u2", &empty, workflows.RetryRequest{})
	}, 1500*time.Millisecond)

	b.env.ExecuteWorkflow(workflows.Batch, workflows.BatchInput{BatchID: "b1", Total: 3, Window: 1})

	require.NoError(t, b.env.GetWorkflowError())
	require.Error(t, none.rejected)
	assert.Contains(t, none.rejected.Error(), "no failed customers")
	require.Error(t, empty.rejected)
	assert.Contains(t, empty.rejected.Error(), "name the customer indexes")
}

func TestPauseAndResume(t *testing.T) {
	children := &failingChildren{delay: time.Second}
	b := newBatchEnv(t, children.run)
	var atPause, beforeResume workflows.Progress
	b.env.RegisterDelayedCallback(func() {
		b.env.SignalWorkflow(workflows.SignalPause, workflows.PauseRequest{Reason: "checking the product id"})
	}, 1500*time.Millisecond)
	b.env.RegisterDelayedCallback(func() {
		v, err := b.env.QueryWorkflow(workflows.QueryProgress, workflows.ProgressRequest{})
		require.NoError(t, err)
		require.NoError(t, v.Get(&atPause))
	}, 5*time.Second)
	b.env.RegisterDelayedCallback(func() {
		v, err := b.env.QueryWorkflow(workflows.QueryProgress, workflows.ProgressRequest{})
		require.NoError(t, err)
		require.NoError(t, v.Get(&beforeResume))
		b.env.SignalWorkflow(workflows.SignalResume, nil)
	}, time.Hour)

	b.env.ExecuteWorkflow(workflows.Batch, workflows.BatchInput{BatchID: "b1", Total: 4, Window: 1})

	require.NoError(t, b.env.GetWorkflowError())
	assert.Equal(t, store.StatePaused, atPause.State)
	assert.Equal(t, "checking the product id", atPause.PauseReason)
	assert.Equal(t, 2, atPause.Counts[store.StatusCreated], "the running customer finished, no new one started")
	assert.Equal(t, 2, beforeResume.Counts[store.StatusPending], "nothing starts while paused")
	var out workflows.BatchResult
	require.NoError(t, b.env.GetWorkflowResult(&out))
	assert.Equal(t, store.StateCompleted, out.State)
	assert.Contains(t, b.states, store.StatePaused)
}

func TestErrorThresholdPausesBatch(t *testing.T) {
	children := &failingChildren{failed: map[int]bool{0: true, 1: true, 2: true, 5: true}, delay: time.Second}
	b := newBatchEnv(t, children.run)
	var paused workflows.Progress
	b.env.RegisterDelayedCallback(func() {
		v, err := b.env.QueryWorkflow(workflows.QueryProgress, workflows.ProgressRequest{Offset: 2, Limit: 2})
		require.NoError(t, err)
		require.NoError(t, v.Get(&paused))
		b.env.SignalWorkflow(workflows.SignalResume, nil)
	}, time.Hour)

	b.env.ExecuteWorkflow(workflows.Batch, workflows.BatchInput{
		BatchID: "b1", Total: 10, Window: 1,
		ErrorThreshold: workflows.ErrorThreshold{MinFinished: 3, MaxFailedPercent: 50},
	})

	require.NoError(t, b.env.GetWorkflowError())
	assert.Equal(t, store.StatePaused, paused.State)
	assert.Contains(t, paused.PauseReason, "3 of the first 3 customers failed (100%), more than the 50% threshold")
	assert.Equal(t, 3, paused.Counts[store.StatusFailed])
	assert.Equal(t, 7, paused.Counts[store.StatusPending], "a bad batch stops after a handful")
	require.Len(t, paused.Customers, 2)
	assert.Equal(t, 2, paused.Customers[0].Index)
	assert.Nil(t, paused.ETA, "no estimate while paused")

	var out workflows.BatchResult
	require.NoError(t, b.env.GetWorkflowResult(&out))
	assert.Equal(t, 4, out.Counts[store.StatusFailed], "after resume it is not paused again")
	assert.Equal(t, 6, out.Counts[store.StatusCreated])
}

func TestProgressEstimatesEnd(t *testing.T) {
	children := &failingChildren{delay: 10 * time.Second}
	b := newBatchEnv(t, children.run)
	var p workflows.Progress
	b.env.RegisterDelayedCallback(func() {
		v, err := b.env.QueryWorkflow(workflows.QueryProgress, workflows.ProgressRequest{})
		require.NoError(t, err)
		require.NoError(t, v.Get(&p))
	}, 25*time.Second)

	b.env.ExecuteWorkflow(workflows.Batch, workflows.BatchInput{BatchID: "b1", Total: 6, Window: 1})

	require.NoError(t, b.env.GetWorkflowError())
	assert.Equal(t, 2, p.Counts[store.StatusCreated])
	require.NotNil(t, p.ETA)
	// Two customers in about 20 s: the four left need about 50 s more.
	assert.InDelta(t, 50, p.ETA.Sub(p.StartedAt.Add(25*time.Second)).Seconds(), 6)
	require.Len(t, p.Customers, 6)
	assert.Equal(t, store.StatusRunning, p.Customers[2].Status)
}

func TestProgressAfterEnd(t *testing.T) {
	children := &failingChildren{failed: map[int]bool{0: true}}
	b := newBatchEnv(t, children.run)
	b.env.ExecuteWorkflow(workflows.Batch, workflows.BatchInput{BatchID: "b1", Total: 2, Window: 1})
	require.NoError(t, b.env.GetWorkflowError())

	v, err := b.env.QueryWorkflow(workflows.QueryProgress, workflows.ProgressRequest{})
	require.NoError(t, err)
	var p workflows.Progress
	require.NoError(t, v.Get(&p))
	assert.Equal(t, store.StateCompletedWithErrors, p.State)
	assert.Nil(t, p.ETA)
}
