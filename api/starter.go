package api

import (
	"context"
	"errors"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/portaplus2/batchcustomers/workflows"
)

// Starter starts the durable workflow of an accepted batch.
type Starter interface {
	// StartBatch starts the batch workflow, or finds the one already
	// started for this batch id; either way the batch is then durable.
	StartBatch(ctx context.Context, batchID string, total int) error
}

// TemporalStarter starts batch workflows on a Temporal cluster.
type TemporalStarter struct {
	Client         client.Client
	TaskQueue      string
	Window         int
	ChildrenPerRun int
}

// StartBatch implements Starter. A batch id whose workflow is running is
// joined; one whose workflow already closed is not started again, because
// a resubmitted batch must never run twice.
func (t TemporalStarter) StartBatch(ctx context.Context, batchID string, total int) error {
	opts := client.StartWorkflowOptions{
		ID:                       workflows.BatchWorkflowID(batchID),
		TaskQueue:                t.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		// No execution or run timeout: a timeout would end the batch
		// without letting its customers roll back.
	}
	in := workflows.BatchInput{BatchID: batchID, Total: total, Window: t.Window, ChildrenPerRun: t.ChildrenPerRun}
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
