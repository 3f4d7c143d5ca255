package workflows

import (
	"errors"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/portaplus2/batchcustomers/activities"
	"github.com/portaplus2/batchcustomers/store"
)

// BatchInput starts a batch, or continues one after continue-as-new. The
// rows stay in the store; the input carries only counters.
type BatchInput struct {
	BatchID string
	Total   int
	// Window is how many customers run at once.
	Window int
	// ChildrenPerRun is how many customers one run starts before it
	// continues as new.
	ChildrenPerRun int
	// Next is the index of the first customer this run starts.
	Next int
	// Outcomes has one status code per customer before Next (see
	// statusCodes); it keeps the carried state near one byte a customer.
	Outcomes string
}

// BatchResult lists every customer's final status.
type BatchResult struct {
	BatchID   string
	State     string
	Total     int
	Counts    map[string]int
	Customers []CustomerOutcome
}

// CustomerOutcome is one customer's final status and the workflow that
// produced it.
type CustomerOutcome struct {
	Index      int
	Status     string
	WorkflowID string
}

// statusCodes encode customer statuses in BatchInput.Outcomes.
var statusCodes = map[string]byte{
	store.StatusPending:        'p',
	store.StatusCreated:        'c',
	store.StatusFailed:         'f',
	store.StatusRolledBack:     'r',
	store.StatusRollbackFailed: 'x',
	store.StatusSkipped:        's',
}

// statusOf decodes a status code; it walks a fixed list rather than the
// map because workflow code must not depend on map order.
func statusOf(code byte) string {
	for _, s := range []string{store.StatusCreated, store.StatusFailed, store.StatusRolledBack,
		store.StatusRollbackFailed, store.StatusSkipped} {
		if statusCodes[s] == code {
			return s
		}
	}
	return store.StatusPending
}

type batchRun struct {
	in       BatchInput
	outcomes []byte
	next     int
	running  int
	log      log.Logger
}

// Batch runs one child Customer workflow per row, at most Window at a
// time, and never fails because a customer failed: each outcome is
// recorded and the batch goes on. After ChildrenPerRun children it waits
// for the running ones and continues as new, so that no run's history
// nears Temporal's limits and no child is left behind.
//
// Cancelling the batch cancels the running customers, which roll back,
// marks the customers that never started as skipped, and ends the batch
// cancelled; customers already created stay.
func Batch(ctx workflow.Context, in BatchInput) (BatchResult, error) {
	b := newBatchRun(ctx, in)
	if in.Next == 0 {
		b.setState(ctx, store.StateRunning)
	}

	err := b.startChildren(ctx)

	// Children must end before this run does: a run that closed or
	// continued as new with children in flight would lose their outcomes.
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	_ = workflow.Await(dctx, func() bool { return b.running == 0 })

	if err != nil || ctx.Err() != nil {
		return b.cancelled(ctx)
	}
	if b.next < in.Total {
		b.log.Info("continuing as new", "next_index", b.next)
		return BatchResult{}, workflow.NewContinueAsNewError(ctx, BatchWorkflowType, b.nextInput())
	}
	res := b.result()
	b.setState(ctx, res.State)
	b.log.Info("batch finished", "state", res.State,
		"created", res.Counts[store.StatusCreated], "failed", res.Counts[store.StatusFailed])
	return res, nil
}

func newBatchRun(ctx workflow.Context, in BatchInput) *batchRun {
	if in.Window <= 0 {
		in.Window = DefaultWindow
	}
	if in.ChildrenPerRun <= 0 {
		in.ChildrenPerRun = DefaultChildrenPerRun
	}
	outcomes := make([]byte, in.Total)
	for i := range outcomes {
		outcomes[i] = statusCodes[store.StatusPending]
	}
	copy(outcomes, in.Outcomes)
	return &batchRun{
		in: in, outcomes: outcomes, next: in.Next,
		log: log.With(workflow.GetLogger(ctx), "batch_id", in.BatchID),
	}
}

// startChildren starts customers until the batch or this run's share is
// done. It returns an error only when the batch is cancelled.
func (b *batchRun) startChildren(ctx workflow.Context) error {
	started := 0
	for b.next < b.in.Total && started < b.in.ChildrenPerRun {
		if err := workflow.Await(ctx, func() bool { return b.running < b.in.Window }); err != nil {
			return err
		}
		index := b.next
		b.next++
		started++
		b.running++

		in := CustomerInput{BatchID: b.in.BatchID, Index: index, Total: b.in.Total, Attempt: 1}
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			WorkflowID: CustomerWorkflowID(b.in.BatchID, index, 1),
			// A terminated batch asks its customers to cancel, so they
			// roll back instead of stopping half-made.
			ParentClosePolicy:   enums.PARENT_CLOSE_POLICY_REQUEST_CANCEL,
			WaitForCancellation: true,
		})
		fut := workflow.ExecuteChildWorkflow(cctx, CustomerWorkflowType, in)
		workflow.Go(ctx, func(gctx workflow.Context) {
			status := childStatus(gctx, fut)
			b.outcomes[index] = statusCodes[status]
			b.running--
		})
	}
	return nil
}

// childStatus waits for a child and reads its status from its result or
// from the details of its failure.
func childStatus(ctx workflow.Context, fut workflow.ChildWorkflowFuture) string {
	var res CustomerResult
	err := fut.Get(ctx, &res)
	if err == nil {
		return res.Status
	}
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) && appErr.HasDetails() && appErr.Details(&res) == nil && res.Status != "" {
		return res.Status
	}
	var canceled *temporal.CanceledError
	if errors.As(err, &canceled) {
		if canceled.HasDetails() && canceled.Details(&res) == nil && res.Status != "" {
			return res.Status
		}
		return store.StatusRolledBack
	}
	workflow.GetLogger(ctx).Error("customer workflow ended without a result", "error", err)
	return store.StatusFailed
}

func (b *batchRun) nextInput() BatchInput {
	in := b.in
	in.Next = b.next
	in.Outcomes = string(b.outcomes[:b.next])
	return in
}

func (b *batchRun) cancelled(ctx workflow.Context) (BatchResult, error) {
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	dctx = workflow.WithActivityOptions(dctx, bookkeepingOptions)
	var skipped int
	if err := workflow.ExecuteActivity(dctx, acts.SkipPending, b.in.BatchID).Get(dctx, &skipped); err != nil {
		b.log.Error("mark unstarted customers skipped", "error", err)
	}
	for i := b.next; i < b.in.Total; i++ {
		b.outcomes[i] = statusCodes[store.StatusSkipped]
	}
	res := b.result()
	res.State = store.StateCancelled
	b.setState(dctx, store.StateCancelled)
	b.log.Info("batch cancelled", "skipped", skipped)
	return res, temporal.NewCanceledError(res.Counts)
}

func (b *batchRun) result() BatchResult {
	res := BatchResult{BatchID: b.in.BatchID, Total: b.in.Total, Counts: map[string]int{}}
	for i, code := range b.outcomes {
		status := statusOf(code)
		res.Counts[status]++
		res.Customers = append(res.Customers, CustomerOutcome{
			Index: i, Status: status, WorkflowID: CustomerWorkflowID(b.in.BatchID, i, 1),
		})
	}
	res.State = store.StateCompleted
	if res.Counts[store.StatusCreated] != b.in.Total {
		res.State = store.StateCompletedWithErrors
	}
	return res
}

func (b *batchRun) setState(ctx workflow.Context, state string) {
	actx := workflow.WithActivityOptions(ctx, bookkeepingOptions)
	in := activities.SetBatchStateInput{BatchID: b.in.BatchID, State: state}
	if err := workflow.ExecuteActivity(actx, acts.SetBatchState, in).Get(actx, nil); err != nil {
		b.log.Error("record batch state", "state", state, "error", err)
	}
}
