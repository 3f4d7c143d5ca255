// Package bench measures the service against two baselines in the same
// run: Temporal's own ceiling for the same workflow shape, and a plain
// loop that calls billing with no Temporal at all. Run it with
// `make bench`.
package bench

import (
	"context"
	"time"

	"go.temporal.io/sdk/workflow"
)

// CeilingInput shapes the ceiling workflow like a batch. Each child runs
// Activities regular and Local local activities, as a customer does.
type CeilingInput struct {
	Total, Window, PerRun, Activities, Local int
	Next                                     int
}

// CeilingParent starts Total children at most Window at a time and
// continues as new every PerRun children, as the batch workflow does,
// but with no bookkeeping: it is the most Temporal can do for this shape.
func CeilingParent(ctx workflow.Context, in CeilingInput) error {
	running, started := 0, 0
	for in.Next < in.Total && started < in.PerRun {
		if err := workflow.Await(ctx, func() bool { return running < in.Window }); err != nil {
			return err
		}
		running++
		started++
		in.Next++
		fut := workflow.ExecuteChildWorkflow(ctx, CeilingChild, in.Activities, in.Local)
		workflow.Go(ctx, func(gctx workflow.Context) {
			_ = fut.Get(gctx, nil)
			running--
		})
	}
	if err := workflow.Await(ctx, func() bool { return running == 0 }); err != nil {
		return err
	}
	if in.Next < in.Total {
		return workflow.NewContinueAsNewError(ctx, CeilingParent, in)
	}
	return nil
}

// CeilingChild runs one trivial local activity, n trivial activities one
// after another, then another local one, as a customer runs its steps.
func CeilingChild(ctx workflow.Context, n, local int) error {
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{StartToCloseTimeout: workflowTimeout})
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: workflowTimeout})
	for i := range n + local {
		var err error
		if i == 0 || i > n {
			err = workflow.ExecuteLocalActivity(lctx, Noop).Get(ctx, nil)
		} else {
			err = workflow.ExecuteActivity(ctx, Noop).Get(ctx, nil)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Noop is the trivial activity.
func Noop(context.Context) error { return nil }

const workflowTimeout = time.Minute
