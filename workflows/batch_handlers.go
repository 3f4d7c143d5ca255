package workflows

import (
	"errors"
	"fmt"
	"slices"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/portaplus2/batchcustomers/store"
)

// RetryRequest names the customers to retry: the listed indexes, or every
// failed customer when AllFailed is set.
type RetryRequest struct {
	Indexes   []int `json:",omitempty"`
	AllFailed bool  `json:",omitempty"`
	// Versions maps an index to the corrected row version stored for
	// this retry; indexes without one use their latest row.
	Versions map[int]int `json:",omitempty"`
}

// RetryResult lists the retries that were queued.
type RetryResult struct {
	Retries []CustomerOutcome
}

// PauseRequest pauses a batch; Reason is shown in progress and the UI.
type PauseRequest struct {
	Reason string
}

func (b *batchRun) registerHandlers(ctx workflow.Context) error {
	err := workflow.SetQueryHandler(ctx, QueryProgress, func(req ProgressRequest) (Progress, error) {
		return b.progress(workflow.Now(ctx), req), nil
	})
	if err != nil {
		return fmt.Errorf("register progress query: %w", err)
	}
	err = workflow.SetUpdateHandlerWithOptions(ctx, UpdateRetryCustomers,
		func(ctx workflow.Context, req RetryRequest) (RetryResult, error) {
			return b.queueRetries(ctx, req), nil
		},
		workflow.UpdateHandlerOptions{Validator: b.validateRetry})
	if err != nil {
		return fmt.Errorf("register retry update: %w", err)
	}

	pause := workflow.GetSignalChannel(ctx, SignalPause)
	resume := workflow.GetSignalChannel(ctx, SignalResume)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			sel := workflow.NewSelector(ctx)
			sel.AddReceive(ctx.Done(), func(workflow.ReceiveChannel, bool) {})
			sel.AddReceive(pause, func(c workflow.ReceiveChannel, _ bool) { b.onPause(ctx, c) })
			sel.AddReceive(resume, func(c workflow.ReceiveChannel, _ bool) { b.onResume(ctx, c) })
			sel.Select(ctx)
			if ctx.Err() != nil {
				return
			}
		}
	})
	return nil
}

func (b *batchRun) onPause(ctx workflow.Context, c workflow.ReceiveChannel) {
	var req PauseRequest
	c.Receive(ctx, &req)
	if req.Reason == "" {
		req.Reason = "paused by an operator"
	}
	b.pause(req.Reason)
	b.publishState(ctx)
}

func (b *batchRun) onResume(ctx workflow.Context, c workflow.ReceiveChannel) {
	c.Receive(ctx, nil)
	if b.in.Paused {
		b.resume()
		b.publishState(ctx)
	}
}

// drainSignals applies signals that arrived but were not read yet, so that
// continue-as-new loses none of them.
func (b *batchRun) drainSignals(ctx workflow.Context) {
	for {
		var req PauseRequest
		if ok := workflow.GetSignalChannel(ctx, SignalPause).ReceiveAsync(&req); ok {
			if req.Reason == "" {
				req.Reason = "paused by an operator"
			}
			b.pause(req.Reason)
			continue
		}
		if ok := workflow.GetSignalChannel(ctx, SignalResume).ReceiveAsync(nil); ok {
			b.resume()
			continue
		}
		return
	}
}

// validateRetry rejects a retry request before it is written to history:
// unknown indexes, customers that are not failed, and customers already
// queued or running again.
func (b *batchRun) validateRetry(req RetryRequest) error {
	if len(req.Indexes) == 0 && !req.AllFailed {
		return errors.New("name the customer indexes to retry, or set AllFailed")
	}
	if req.AllFailed {
		if len(req.Indexes) > 0 {
			return errors.New("give either Indexes or AllFailed, not both")
		}
		if len(b.failedIndexes()) == 0 {
			return errors.New("the batch has no failed customers to retry")
		}
	}
	seen := map[int]bool{}
	var problems []error
	running := 0
	for _, i := range req.Indexes {
		switch {
		case i < 0 || i >= b.in.Total:
			problems = append(problems, fmt.Errorf("index %d is not in this batch of %d customers (0 to %d)",
				i, b.in.Total, b.in.Total-1))
		case seen[i]:
			problems = append(problems, fmt.Errorf("index %d is listed twice", i))
		case b.status(i) == statusQueued:
			problems = append(problems, fmt.Errorf("customer %d is already queued for a retry", i))
		case b.status(i) == store.StatusRunning:
			running++
			problems = append(problems, fmt.Errorf("customer %d is still running; retry it once it has failed", i))
		case !retryable(b.status(i)):
			problems = append(problems, fmt.Errorf("customer %d is %s, not failed; only failed customers can be retried",
				i, b.status(i)))
		}
		seen[i] = true
	}
	for i := range req.Versions {
		if !seen[i] && !req.AllFailed {
			problems = append(problems, fmt.Errorf("a corrected row is given for index %d, which is not retried", i))
		}
	}
	if len(problems) > 0 && running == len(problems) {
		// The store can show a customer failed a moment before its
		// workflow has closed; callers may try again shortly.
		return temporal.NewApplicationError(errors.Join(problems...).Error(), ErrorTypeCustomerStillRunning)
	}
	return errors.Join(problems...)
}

func (b *batchRun) failedIndexes() []int {
	var out []int
	for i := range b.outcomes {
		if retryable(b.status(i)) {
			out = append(out, i)
		}
	}
	return out
}

// queueRetries queues the validated retries. Each gets a new attempt
// number, so its child workflow id is new too.
func (b *batchRun) queueRetries(ctx workflow.Context, req RetryRequest) RetryResult {
	indexes := req.Indexes
	if req.AllFailed {
		indexes = b.failedIndexes()
	}
	indexes = slices.Clone(indexes)
	slices.Sort(indexes)
	var res RetryResult
	for _, i := range indexes {
		b.in.Attempts[i] = b.attempt(i) + 1
		b.in.Queue = append(b.in.Queue, RetryItem{Index: i, Version: req.Versions[i], Previous: b.status(i)})
		b.setStatus(i, statusQueued)
		res.Retries = append(res.Retries, b.outcome(i))
	}
	// A retry accepted while the end was being recorded reopens the batch.
	b.ended = ""
	b.log.Info("customers queued for retry", "count", len(indexes))
	b.publishState(ctx)
	return res
}
