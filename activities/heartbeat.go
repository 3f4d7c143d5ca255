package activities

import (
	"context"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/interceptor"
)

// heartbeatEvery is how often a running step records a heartbeat. The SDK
// sends the first at once and batches the rest, so a step that ends
// sooner, as nearly all do, costs Temporal nothing more.
const heartbeatEvery = 5 * time.Second

// NewHeartbeatInterceptor returns a worker interceptor that keeps alive
// every activity scheduled with a heartbeat timeout: while the activity
// runs, it records a heartbeat every few seconds. When a worker dies,
// Temporal then retries its steps once the heartbeat timeout has passed,
// instead of waiting out the much longer start-to-close timeout.
//
// The response to a heartbeat also carries cancellation, which would cancel
// a step part-way through a billing call: a create already sent could
// then land after the undo had looked for it and found nothing. So such
// an activity runs on a context that keeps the deadline but not the
// cancellation. A cancelled customer still waits for the step to end, and
// then undoes it.
func NewHeartbeatInterceptor() interceptor.WorkerInterceptor {
	return &heartbeatInterceptor{every: heartbeatEvery}
}

type heartbeatInterceptor struct {
	interceptor.WorkerInterceptorBase
	every time.Duration
}

func (h *heartbeatInterceptor) InterceptActivity(
	_ context.Context, next interceptor.ActivityInboundInterceptor,
) interceptor.ActivityInboundInterceptor {
	i := &heartbeatActivity{every: h.every}
	i.Next = next
	return i
}

type heartbeatActivity struct {
	interceptor.ActivityInboundInterceptorBase
	every time.Duration
}

func (h *heartbeatActivity) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	if activity.GetInfo(ctx).HeartbeatTimeout <= 0 {
		return h.Next.ExecuteActivity(ctx, in)
	}
	run, stop := keepAlive(ctx, h.every, func() { activity.RecordHeartbeat(ctx) })
	defer stop()
	return h.Next.ExecuteActivity(run, in)
}

// keepAlive calls beat every interval until stop is first called. The
// context it returns has ctx's values and deadline, but is not cancelled
// with ctx.
func keepAlive(ctx context.Context, every time.Duration, beat func()) (run context.Context, stop func()) {
	run = context.WithoutCancel(ctx)
	release := context.CancelFunc(func() {})
	if deadline, ok := ctx.Deadline(); ok {
		run, release = context.WithDeadline(run, deadline)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				beat()
			}
		}
	})
	return run, sync.OnceFunc(func() {
		close(done)
		wg.Wait()
		release()
	})
}
