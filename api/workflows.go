package api

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/portaplus2/batchcustomers/workflows"
)

// BatchStart describes a batch to start.
type BatchStart struct {
	BatchID        string
	Total          int
	ResellerID     int64
	ProductID      int64
	FeatureName    string
	ContentID      int64
	ErrorThreshold workflows.ErrorThreshold
}

// Workflows starts and steers batch workflows.
type Workflows interface {
	// StartBatch starts the batch workflow, or finds the one already
	// started for this batch id; either way the batch is then durable.
	StartBatch(ctx context.Context, b BatchStart) error
	// Retry sends a RetryCustomers update to the batch. When the batch
	// workflow has ended, a new run of it starts from restart and takes
	// the update.
	Retry(ctx context.Context, batchID string, req workflows.RetryRequest, restart workflows.BatchInput) (workflows.RetryResult, error)
	// Cancel requests cancellation of the batch.
	Cancel(ctx context.Context, batchID string) error
	// Signal sends a signal to the running batch.
	Signal(ctx context.Context, batchID, name string, arg any) error
}

// ErrRejected wraps the reason a batch workflow gave for rejecting an
// update; the caller made a mistake.
var ErrRejected = errors.New("rejected")

// errStillRunning is a rejection because the customers have not finished
// yet; Retry tries again for a short while.
var errStillRunning = fmt.Errorf("%w: customers still running", ErrRejected)

// stillRunningWait bounds how long Retry waits for customers that the
// store shows failed but whose workflows have not closed yet.
const stillRunningWait = 15 * time.Second

// ErrNotRunning reports a signal or cancel sent to a batch that has ended.
var ErrNotRunning = errors.New("the batch workflow is not running")

// TemporalWorkflows implements Workflows on a Temporal cluster.
type TemporalWorkflows struct {
	Client         client.Client
	TaskQueue      string
	Window         int
	ChildrenPerRun int
}

// StartBatch implements Workflows. A batch id whose workflow is running is
// joined; one whose workflow already ended is not started again, because
// a resubmitted batch must never run twice.
func (t TemporalWorkflows) StartBatch(ctx context.Context, b BatchStart) error {
	opts := t.startOptions(b)
	opts.WorkflowIDReusePolicy = enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE
	in := workflows.BatchInput{
		BatchID: b.BatchID, Total: b.Total, Window: t.Window, ChildrenPerRun: t.ChildrenPerRun,
		ResellerID: b.ResellerID, ErrorThreshold: b.ErrorThreshold,
	}
	_, err := t.Client.ExecuteWorkflow(ctx, opts, workflows.BatchWorkflowType, in)
	if err == nil || temporal.IsWorkflowExecutionAlreadyStartedError(err) {
		return nil
	}
	var exists *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &exists) {
		return nil
	}
	return fmt.Errorf("start batch workflow %s: %w", opts.ID, err)
}

func (t TemporalWorkflows) startOptions(b BatchStart) client.StartWorkflowOptions {
	attrs := []temporal.SearchAttributeUpdate{
		workflows.SearchAttributeBatchID.ValueSet(b.BatchID),
		workflows.SearchAttributeBatchStatus.ValueSet("running"),
	}
	if b.ResellerID != 0 {
		attrs = append(attrs, workflows.SearchAttributeResellerID.ValueSet(b.ResellerID))
	}
	summary := fmt.Sprintf("Batch %s: %d customers", b.BatchID, b.Total)
	if b.ResellerID != 0 {
		summary += fmt.Sprintf(", reseller %d", b.ResellerID)
	}
	return client.StartWorkflowOptions{
		ID:                       workflows.BatchWorkflowID(b.BatchID),
		TaskQueue:                t.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		// No execution or run timeout: a timeout would end the batch
		// without letting its customers roll back.
		TypedSearchAttributes: temporal.NewSearchAttributes(attrs...),
		StaticSummary:         summary,
		StaticDetails: fmt.Sprintf("Batch `%s` of %d customers, reseller %d, product %d, feature %q.",
			b.BatchID, b.Total, b.ResellerID, b.ProductID, b.FeatureName),
		Memo: map[string]any{
			"batch_id": b.BatchID, "customers": b.Total, "reseller_id": b.ResellerID,
			"product_id": b.ProductID, "feature_name": b.FeatureName, "content_id": b.ContentID,
			"submitted_at": time.Now().UTC().Format(time.RFC3339),
		},
	}
}

// Retry implements Workflows with update-with-start: the update reaches
// the running batch, or a new run of an ended one. A customer recorded as
// failed can still count as running in the batch for a moment, until its
// workflow closes, so such a rejection is tried again for a few seconds.
func (t TemporalWorkflows) Retry(ctx context.Context, batchID string, req workflows.RetryRequest, restart workflows.BatchInput) (workflows.RetryResult, error) {
	deadline := time.Now().Add(stillRunningWait)
	for {
		res, err := t.retryOnce(ctx, batchID, req, restart)
		if !errors.Is(err, errStillRunning) || time.Now().After(deadline) {
			return res, err
		}
		select {
		case <-ctx.Done():
			return res, err
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func (t TemporalWorkflows) retryOnce(ctx context.Context, batchID string, req workflows.RetryRequest, restart workflows.BatchInput) (workflows.RetryResult, error) {
	opts := t.startOptions(BatchStart{BatchID: batchID, Total: restart.Total, ResellerID: restart.ResellerID})
	opts.WorkflowIDReusePolicy = enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE
	restart.Window, restart.ChildrenPerRun = t.Window, t.ChildrenPerRun
	start := t.Client.NewWithStartWorkflowOperation(opts, workflows.BatchWorkflowType, restart)
	handle, err := t.Client.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start,
		UpdateOptions: client.UpdateWorkflowOptions{
			UpdateName:   workflows.UpdateRetryCustomers,
			Args:         []any{req},
			WaitForStage: client.WorkflowUpdateStageCompleted,
		},
	})
	if err != nil {
		return workflows.RetryResult{}, classifyUpdateError(err)
	}
	var res workflows.RetryResult
	if err := handle.Get(ctx, &res); err != nil {
		return workflows.RetryResult{}, classifyUpdateError(err)
	}
	return res, nil
}

// classifyUpdateError separates a validator's rejection, which is the
// caller's mistake, from trouble reaching Temporal.
func classifyUpdateError(err error) error {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		if appErr.Type() == workflows.ErrorTypeCustomerStillRunning {
			return fmt.Errorf("%w: %s", errStillRunning, appErr.Message())
		}
		return fmt.Errorf("%w: %s", ErrRejected, appErr.Message())
	}
	return fmt.Errorf("retry customers: %w", err)
}

// Cancel implements Workflows.
func (t TemporalWorkflows) Cancel(ctx context.Context, batchID string) error {
	err := t.Client.CancelWorkflow(ctx, workflows.BatchWorkflowID(batchID), "")
	return notRunning(err)
}

// Signal implements Workflows.
func (t TemporalWorkflows) Signal(ctx context.Context, batchID, name string, arg any) error {
	err := t.Client.SignalWorkflow(ctx, workflows.BatchWorkflowID(batchID), "", name, arg)
	return notRunning(err)
}

func notRunning(err error) error {
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return ErrNotRunning
	}
	return err
}
