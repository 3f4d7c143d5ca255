package workflows_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/portaplus2/batchcustomers/activities"
	"github.com/portaplus2/batchcustomers/store"
	"github.com/portaplus2/batchcustomers/workflows"
)

type batchEnv struct {
	env    *testsuite.TestWorkflowEnvironment
	acts   *activities.Activities
	mu     sync.Mutex
	states []string
	// nameLoads are the RowNames calls, in order.
	nameLoads []activities.RowNamesInput
}

// newBatchEnv registers child as the customer workflow: the real one for
// tests that mock it, a stand-in for tests that need it to see
// cancellation, which mocked children do not.
func newBatchEnv(t *testing.T, child ...interface{}) *batchEnv {
	var ts testsuite.WorkflowTestSuite
	b := &batchEnv{env: ts.NewTestWorkflowEnvironment(), acts: &activities.Activities{}}
	b.env.RegisterActivity(b.acts)
	b.env.RegisterWorkflowWithOptions(workflows.Batch, workflow.RegisterOptions{Name: workflows.BatchWorkflowType})
	var customer interface{} = workflows.Customer
	if len(child) > 0 {
		customer = child[0]
	}
	b.env.RegisterWorkflowWithOptions(customer, workflow.RegisterOptions{Name: workflows.CustomerWorkflowType})
	b.env.OnActivity(b.acts.SetBatchState, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.SetBatchStateInput) error {
			b.mu.Lock()
			defer b.mu.Unlock()
			b.states = append(b.states, in.State)
			return nil
		}).Maybe()
	b.env.OnActivity(b.acts.RowNames, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.RowNamesInput) ([]activities.RowName, error) {
			b.mu.Lock()
			defer b.mu.Unlock()
			b.nameLoads = append(b.nameLoads, in)
			out := make([]activities.RowName, len(in.Indexes))
			for i, index := range in.Indexes {
				out[i] = activities.RowName{Login: fmt.Sprintf("login%d", index), Name: fmt.Sprintf("Customer %d", index)}
			}
			return out, nil
		}).Maybe()
	t.Cleanup(func() { b.env.AssertExpectations(t) })
	return b
}

// childResult makes the mocked child end the way a real one does: a
// result when created, an application error carrying it otherwise.
func childResult(failed map[int]bool) func(workflow.Context, workflows.CustomerInput) (workflows.CustomerResult, error) {
	return func(_ workflow.Context, in workflows.CustomerInput) (workflows.CustomerResult, error) {
		res := workflows.CustomerResult{BatchID: in.BatchID, Index: in.Index, Status: store.StatusCreated}
		if failed[in.Index] {
			res.Status = store.StatusFailed
			res.FailedStep = workflows.StepAlias
			return res, temporal.NewNonRetryableApplicationError("failed", workflows.ErrorTypeCustomerFailed, nil, res)
		}
		return res, nil
	}
}

// The batch loads the logins of the rows it starts in chunks and hands
// each customer its own, with local bookkeeping.
func TestBatchStartsCustomersWithLogins(t *testing.T) {
	b := newBatchEnv(t)
	var mu sync.Mutex
	inputs := map[int]workflows.CustomerInput{}
	b.env.OnWorkflow(workflows.CustomerWorkflowType, mock.Anything, mock.Anything).Return(
		func(ctx workflow.Context, in workflows.CustomerInput) (workflows.CustomerResult, error) {
			mu.Lock()
			inputs[in.Index] = in
			mu.Unlock()
			return childResult(nil)(ctx, in)
		})

	b.env.ExecuteWorkflow(workflows.Batch, workflows.BatchInput{BatchID: "b1", Total: 7, Window: 2, ChildrenPerRun: 4})
	var can *workflow.ContinueAsNewError
	require.ErrorAs(t, b.env.GetWorkflowError(), &can, "the run's share is four customers")

	require.Len(t, inputs, 4)
	for i, in := range inputs {
		assert.Equal(t, fmt.Sprintf("login%d", i), in.Login, "customer %d", i)
		assert.Equal(t, fmt.Sprintf("Customer %d", i), in.Name, "customer %d", i)
		assert.True(t, in.RowNames, "customer %d", i)
	}
	// One load for the run's share, not one per customer.
	require.Len(t, b.nameLoads, 1)
	assert.Equal(t, []int{0, 1, 2, 3}, b.nameLoads[0].Indexes)
	assert.Equal(t, []int{0, 0, 0, 0}, b.nameLoads[0].Versions)
}

func TestBatchRecordsEveryOutcome(t *testing.T) {
	b := newBatchEnv(t)
	b.env.OnWorkflow(workflows.CustomerWorkflowType, mock.Anything, mock.Anything).
		Return(childResult(map[int]bool{2: true}))

	b.env.ExecuteWorkflow(workflows.Batch, workflows.BatchInput{BatchID: "b1", Total: 5, Window: 2})

	require.True(t, b.env.IsWorkflowCompleted())
	require.NoError(t, b.env.GetWorkflowError())
	var res workflows.BatchResult
	require.NoError(t, b.env.GetWorkflowResult(&res))
	assert.Equal(t, store.StateCompletedWithErrors, res.State)
	assert.Equal(t, 4, res.Counts[store.StatusCreated])
	assert.Equal(t, 1, res.Counts[store.StatusFailed])
	require.Len(t, res.Customers, 5)
	assert.Equal(t, store.StatusFailed, res.Customers[2].Status)
	assert.Equal(t, "batch-b1-customer-2", res.Customers[2].WorkflowID)
	assert.Equal(t, []string{store.StateRunning, store.StateCompletedWithErrors}, b.states)
}

func TestBatchKeepsWithinWindow(t *testing.T) {
	b := newBatchEnv(t)
	var mu sync.Mutex
	running, maxRunning := 0, 0
	b.env.OnWorkflow(workflows.CustomerWorkflowType, mock.Anything, mock.Anything).Return(
		func(ctx workflow.Context, in workflows.CustomerInput) (workflows.CustomerResult, error) {
			mu.Lock()
			running++
			maxRunning = max(maxRunning, running)
			mu.Unlock()
			_ = workflow.Sleep(ctx, time.Duration(1+in.Index%3)*time.Second)
			mu.Lock()
			running--
			mu.Unlock()
			return workflows.CustomerResult{Index: in.Index, Status: store.StatusCreated}, nil
		})

	b.env.ExecuteWorkflow(workflows.Batch, workflows.BatchInput{BatchID: "b1", Total: 12, Window: 3})

	require.NoError(t, b.env.GetWorkflowError())
	var res workflows.BatchResult
	require.NoError(t, b.env.GetWorkflowResult(&res))
	assert.Equal(t, store.StateCompleted, res.State)
	assert.Equal(t, 12, res.Counts[store.StatusCreated])
	assert.Equal(t, 3, maxRunning)
}

func TestBatchContinuesAsNewWithOutcomes(t *testing.T) {
	b := newBatchEnv(t)
	b.env.OnWorkflow(workflows.CustomerWorkflowType, mock.Anything, mock.Anything).
		Return(childResult(map[int]bool{1: true}))

	b.env.ExecuteWorkflow(workflows.Batch,
		workflows.BatchInput{BatchID: "b1", Total: 5, Window: 2, ChildrenPerRun: 2})

	err := b.env.GetWorkflowError()
	var can *workflow.ContinueAsNewError
	require.True(t, errors.As(err, &can), "want continue-as-new, got %v", err)
	assert.Equal(t, workflows.BatchWorkflowType, can.WorkflowType.Name)
	var next workflows.BatchInput
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	assert.Equal(t, 2, next.Next)
	assert.Equal(t, "cf", next.Outcomes)
	assert.Equal(t, 5, next.Total)
}

func TestBatchResumesAfterContinueAsNew(t *testing.T) {
	b := newBatchEnv(t)
	var started []int
	b.env.OnWorkflow(workflows.CustomerWorkflowType, mock.Anything, mock.Anything).Return(
		func(_ workflow.Context, in workflows.CustomerInput) (workflows.CustomerResult, error) {
			started = append(started, in.Index)
			return workflows.CustomerResult{Index: in.Index, Status: store.StatusCreated}, nil
		})

	b.env.ExecuteWorkflow(workflows.Batch, workflows.BatchInput{
		BatchID: "b1", Total: 4, Window: 2, ChildrenPerRun: 10, Next: 2, Outcomes: "cf"})

	require.NoError(t, b.env.GetWorkflowError())
	var res workflows.BatchResult
	require.NoError(t, b.env.GetWorkflowResult(&res))
	assert.ElementsMatch(t, []int{2, 3}, started)
	assert.Equal(t, 3, res.Counts[store.StatusCreated])
	assert.Equal(t, 1, res.Counts[store.StatusFailed])
	// A continued run does not announce "running" again.
	assert.Equal(t, []string{store.StateCompletedWithErrors}, b.states)
}

func TestBatchCancelSkipsUnstarted(t *testing.T) {
	b := newBatchEnv(t, func(ctx workflow.Context, in workflows.CustomerInput) (workflows.CustomerResult, error) {
		if err := workflow.Sleep(ctx, time.Hour); err != nil {
			res := workflows.CustomerResult{Index: in.Index, Status: store.StatusRolledBack}
			return res, temporal.NewCanceledError(res)
		}
		return workflows.CustomerResult{Index: in.Index, Status: store.StatusCreated}, nil
	})
	b.env.OnActivity(b.acts.SkipPending, mock.Anything, "b1").Return(3, nil).Once()
	b.env.RegisterDelayedCallback(func() { b.env.CancelWorkflow() }, time.Minute)

	b.env.ExecuteWorkflow(workflows.Batch, workflows.BatchInput{BatchID: "b1", Total: 5, Window: 2})

	err := b.env.GetWorkflowError()
	var canceled *temporal.CanceledError
	require.True(t, errors.As(err, &canceled), "want a cancelled batch, got %v", err)
	var counts map[string]int
	require.NoError(t, canceled.Details(&counts))
	assert.Equal(t, 2, counts[store.StatusRolledBack], "%v", counts)
	assert.Equal(t, 3, counts[store.StatusSkipped])
	assert.Equal(t, []string{store.StateRunning, store.StateCancelled}, b.states)
}
