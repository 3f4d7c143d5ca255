package workflows

import (
	"errors"
	"fmt"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/portaplus2/batchcustomers/activities"
	"github.com/portaplus2/batchcustomers/store"
)

type batchRun struct {
	in       BatchInput
	outcomes []byte
	running  int
	// started counts the children this run started.
	started int
	// lastState is the state last written to the store and search.
	lastState string
	// ended is the final state once the batch has ended. The progress
	// query reports it then.
	ended string
	log   log.Logger
	// rowNames starts customers with their login and name, fetched
	// ahead into names (see changeRowNames).
	rowNames bool
	names    map[rowKey]activities.RowName
}

// rowKey names one version of a row.
type rowKey struct{ index, version int }

// Batch runs one child Customer workflow per row, at most Window at a
// time, and never fails because a customer failed: each outcome is
// recorded and the batch goes on. After ChildrenPerRun children it waits
// for the running ones and continues as new, so that no run's history
// nears Temporal's limits and no child is left behind.
//
// Operators steer a running batch with the progress query, the
// RetryCustomers update and the pause and resume signals. Cancelling the
// batch cancels the running customers, which roll back, marks the
// customers that never started as skipped, and ends the batch cancelled;
// customers already created stay.
func Batch(ctx workflow.Context, in BatchInput) (BatchResult, error) {
	b := newBatchRun(ctx, in)
	if err := b.registerHandlers(ctx); err != nil {
		return BatchResult{}, err
	}
	b.rowNames = workflow.GetVersion(ctx, changeRowNames, workflow.DefaultVersion, 1) == 1
	b.publishState(ctx)

	for {
		err := workflow.Await(ctx, func() bool { return b.canStart() || b.runDone() })
		if err != nil {
			return b.cancelled(ctx)
		}
		if b.canStart() {
			b.startNext(ctx)
			continue
		}
		// Nothing runs and nothing can start in this run. Updates
		// accepted meanwhile must finish before the run ends, or their
		// callers would get an error for an accepted request.
		if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
			return b.cancelled(ctx)
		}
		if b.canStart() {
			continue
		}
		if b.workLeft() {
			b.drainSignals(ctx)
			b.log.Info("continuing as new", "next_index", b.in.Next, "queued", len(b.in.Queue))
			return BatchResult{}, workflow.NewContinueAsNewError(ctx, BatchWorkflowType, b.nextInput())
		}
		res := b.finish(ctx)
		// A retry accepted while the end was being recorded reopens the
		// batch rather than being lost with the run.
		if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
			return b.cancelled(ctx)
		}
		if !b.workLeft() {
			b.log.Info("batch finished", "state", res.State,
				"created", res.Counts[store.StatusCreated], "failed", res.Counts[store.StatusFailed])
			return res, nil
		}
	}
}

func newBatchRun(ctx workflow.Context, in BatchInput) *batchRun {
	if in.Window <= 0 {
		in.Window = DefaultWindow
	}
	if in.ChildrenPerRun <= 0 {
		in.ChildrenPerRun = DefaultChildrenPerRun
	}
	if in.StartedAt.IsZero() {
		in.StartedAt = workflow.Now(ctx)
	}
	if in.Attempts == nil {
		in.Attempts = map[int]int{}
	}
	outcomes := make([]byte, in.Total)
	for i := range outcomes {
		outcomes[i] = statusCodes[store.StatusPending]
	}
	copy(outcomes, in.Outcomes)
	// Queued retries carried over continue-as-new show as queued.
	for _, q := range in.Queue {
		outcomes[q.Index] = statusCodes[statusQueued]
	}
	b := &batchRun{
		in: in, outcomes: outcomes,
		log: log.With(workflow.GetLogger(ctx), "batch_id", in.BatchID),
	}
	if in.Next > 0 && !in.Restart {
		// A continued run inherits the state its predecessor recorded.
		b.lastState = b.state()
	}
	return b
}

// workLeft reports customers that have not started: new rows or queued
// retries.
func (b *batchRun) workLeft() bool {
	return b.in.Next < b.in.Total || len(b.in.Queue) > 0
}

func (b *batchRun) canStart() bool {
	return !b.in.Paused && b.workLeft() && b.running < b.in.Window && b.started < b.in.ChildrenPerRun
}

// runDone reports that no child runs and this run can start none: the
// batch is finished, paused, or this run's share is used up.
func (b *batchRun) runDone() bool {
	return b.running == 0 && (!b.workLeft() || b.started >= b.in.ChildrenPerRun)
}

// startNext starts the next customer: queued retries first, then the
// next new row.
func (b *batchRun) startNext(ctx workflow.Context) {
	if b.rowNames {
		b.fetchNames(ctx)
	}
	var item RetryItem
	if len(b.in.Queue) > 0 {
		item, b.in.Queue = b.in.Queue[0], b.in.Queue[1:]
	} else {
		item = RetryItem{Index: b.in.Next}
		b.in.Next++
	}
	index := item.Index
	attempt := b.attempt(index)
	b.setStatus(index, store.StatusRunning)
	b.started++
	b.running++

	in := CustomerInput{BatchID: b.in.BatchID, Index: index, Total: b.in.Total, Attempt: attempt, RowVersion: item.Version}
	if b.rowNames {
		key := rowKey{item.Index, item.Version}
		name := b.names[key]
		delete(b.names, key)
		in.Login, in.Name, in.RowNames = name.Login, name.Name, true
	}
	cctx := workflow.WithChildOptions(ctx, b.childOptions(in))
	fut := workflow.ExecuteChildWorkflow(cctx, CustomerWorkflowType, in)
	workflow.Go(ctx, func(gctx workflow.Context) {
		// The child counts as running until its outcome is published, so
		// the run cannot end with that write still in flight.
		defer func() { b.running-- }()
		b.setStatus(index, childStatus(gctx, fut))
		if gctx.Err() != nil {
			return
		}
		b.checkThreshold()
		b.publishState(gctx)
	})
}

// fetchNames loads the logins and names of the next rows to start, unless
// the next one is loaded already. When that fails, the customers announce
// their logins themselves.
func (b *batchRun) fetchNames(ctx workflow.Context) {
	items := b.upcoming(min(namesChunk, b.in.ChildrenPerRun-b.started))
	if len(items) == 0 {
		return
	}
	if _, ok := b.names[rowKey{items[0].Index, items[0].Version}]; ok {
		return
	}
	in := activities.RowNamesInput{BatchID: b.in.BatchID}
	for _, item := range items {
		in.Indexes = append(in.Indexes, item.Index)
		in.Versions = append(in.Versions, item.Version)
	}
	opts := localOptions
	opts.Summary = fmt.Sprintf("load logins of %d rows from %d", len(items), items[0].Index)
	var names []activities.RowName
	err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, opts), acts.RowNames, in).Get(ctx, &names)
	if err != nil {
		b.log.Warn("load logins of the next rows", "error", err)
		return
	}
	if b.names == nil {
		b.names = make(map[rowKey]activities.RowName, len(items))
	}
	for i, item := range items {
		if i < len(names) {
			b.names[rowKey{item.Index, item.Version}] = names[i]
		}
	}
}

// upcoming returns up to n items in the order startNext takes them.
func (b *batchRun) upcoming(n int) []RetryItem {
	items := make([]RetryItem, 0, n)
	for _, q := range b.in.Queue {
		if len(items) == n {
			return items
		}
		items = append(items, q)
	}
	for i := b.in.Next; i < b.in.Total && len(items) < n; i++ {
		items = append(items, RetryItem{Index: i})
	}
	return items
}

func (b *batchRun) childOptions(in CustomerInput) workflow.ChildWorkflowOptions {
	memo := map[string]any{
		"batch_id": in.BatchID, "customer_index": in.Index, "customers": in.Total, "attempt": in.Attempt,
	}
	attrs := []temporal.SearchAttributeUpdate{
		SearchAttributeBatchID.ValueSet(in.BatchID),
		SearchAttributeCustomerIndex.ValueSet(int64(in.Index)),
	}
	if !in.RowNames {
		// Customers of earlier batch runs still start as running.
		attrs = append(attrs, SearchAttributeCustomerStatus.ValueSet(store.StatusRunning))
	}
	if in.Login != "" {
		memo["login"], memo["name"] = in.Login, in.Name
		attrs = append(attrs, SearchAttributeCustomerLogin.ValueSet(in.Login))
	}
	return workflow.ChildWorkflowOptions{
		WorkflowID: CustomerWorkflowID(in.BatchID, in.Index, in.Attempt),
		// A terminated batch requests cancellation of its customers, so
		// they roll back instead of stopping half-made.
		ParentClosePolicy:   enums.PARENT_CLOSE_POLICY_REQUEST_CANCEL,
		WaitForCancellation: true,
		StaticSummary:       customerSummary(in),
		StaticDetails: fmt.Sprintf("Row %d of batch `%s` (%d customers), attempt %d, row version %d. "+
			"The current details show the login and the step in progress.",
			in.Index, in.BatchID, in.Total, in.Attempt, in.RowVersion),
		Memo:                  memo,
		TypedSearchAttributes: temporal.NewSearchAttributes(attrs...),
	}
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

// nextInput carries the state into the next run. Retries are only ever
// queued for customers that already ran, so every known status is below
// Next.
func (b *batchRun) nextInput() BatchInput {
	in := b.in
	in.Outcomes = string(b.outcomes[:in.Next])
	in.Restart = false
	return in
}

func (b *batchRun) pause(reason string) {
	b.in.Paused = true
	b.in.PauseReason = reason
	b.log.Warn("batch paused", "reason", reason)
}

func (b *batchRun) resume() {
	b.in.Paused = false
	b.in.PauseReason = ""
	b.log.Info("batch resumed")
}

// finish records the end of a batch whose customers have all finished
// and sends the completion webhook.
func (b *batchRun) finish(ctx workflow.Context) BatchResult {
	state := store.StateCompleted
	if b.counts()[store.StatusCreated] != b.in.Total {
		state = store.StateCompletedWithErrors
	}
	b.ended = state
	res := b.result(state)
	b.writeState(ctx, state)
	b.notify(ctx, res)
	return res
}

// cancelled waits for the running customers to roll back, marks the
// customers that never started as skipped, and ends the batch cancelled.
func (b *batchRun) cancelled(ctx workflow.Context) (BatchResult, error) {
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	_ = workflow.Await(dctx, func() bool { return b.running == 0 })

	actx := workflow.WithActivityOptions(dctx, bookkeepingOptions)
	var skipped int
	if err := workflow.ExecuteActivity(actx, acts.SkipPending, b.in.BatchID).Get(actx, &skipped); err != nil {
		b.log.Error("mark unstarted customers skipped", "error", err)
	}
	for i, code := range b.outcomes {
		if statusOf(code) == store.StatusPending {
			b.setStatus(i, store.StatusSkipped)
		}
	}
	// A retry that never started leaves the customer as it was.
	for _, q := range b.in.Queue {
		b.setStatus(q.Index, q.Previous)
	}
	b.ended = store.StateCancelled
	res := b.result(store.StateCancelled)
	b.writeState(dctx, store.StateCancelled)
	b.notify(dctx, res)
	b.log.Info("batch cancelled", "skipped", skipped)
	return res, temporal.NewCanceledError(res.Counts)
}

// publishState refreshes the UI details and, when the state changed, the
// store and the BatchStatus search attribute.
func (b *batchRun) publishState(ctx workflow.Context) {
	if state := b.state(); state != b.lastState {
		b.writeState(ctx, state)
		return
	}
	workflow.SetCurrentDetails(ctx, b.details(workflow.Now(ctx)))
}

func (b *batchRun) writeState(ctx workflow.Context, state string) {
	b.lastState = state
	workflow.SetCurrentDetails(ctx, b.details(workflow.Now(ctx)))
	if err := workflow.UpsertTypedSearchAttributes(ctx, SearchAttributeBatchStatus.ValueSet(state)); err != nil {
		b.log.Error("set BatchStatus search attribute", "state", state, "error", err)
	}
	actx := workflow.WithActivityOptions(ctx, bookkeepingOptions)
	in := activities.SetBatchStateInput{BatchID: b.in.BatchID, State: state, Reason: b.in.PauseReason}
	if err := workflow.ExecuteActivity(actx, acts.SetBatchState, in).Get(actx, nil); err != nil {
		b.log.Error("record batch state", "state", state, "error", err)
	}
}

// notify sends the completion webhook, when one is configured on the
// worker. It is retried for a day, so that a receiver that is down for a
// while still gets the news.
func (b *batchRun) notify(ctx workflow.Context, res BatchResult) {
	actx := workflow.WithActivityOptions(ctx, notifyOptions)
	in := activities.NotifyInput{BatchID: b.in.BatchID, State: res.State, Total: res.Total, Counts: res.Counts}
	if err := workflow.ExecuteActivity(actx, acts.NotifyCompletion, in).Get(actx, nil); err != nil {
		b.log.Error("send completion webhook", "error", err)
	}
}

// customerSummary is a customer's line in the Temporal UI. It gives the
// zero-based index that workflow ids, reports and retries use.
func customerSummary(in CustomerInput) string {
	s := fmt.Sprintf("Customer index %d of %d, batch %s", in.Index, in.Total, in.BatchID)
	if in.Attempt > 1 {
		s += fmt.Sprintf(", attempt %d", in.Attempt)
	}
	return s
}
