package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/portaplus2/batchcustomers/activities"
)

// acts lets workflows name activities as methods, so the compiler checks
// the names; its methods are never called on the nil value.
var acts *activities.Activities

// stepHeartbeatTimeout is how long Temporal waits for a heartbeat from a
// running step before it retries the step elsewhere: a step on a worker
// that died resumes after this, not after its start-to-close timeout. The
// worker heartbeats every few seconds while a step runs (see
// activities.NewHeartbeatInterceptor).
const stepHeartbeatTimeout = 30 * time.Second

// forwardOptions run the steps that create billing records. A step makes
// a few billing calls of at most 25 s each. Transport trouble is retried
// for up to 30 minutes, so that a billing outage of a few minutes delays a
// customer instead of failing it; business faults are not retried.
// WaitForCancellation makes a cancelled customer wait for its step in
// flight to end before the undo looks for what that step created.
var forwardOptions = workflow.ActivityOptions{
	StartToCloseTimeout:    2 * time.Minute,
	HeartbeatTimeout:       stepHeartbeatTimeout,
	ScheduleToCloseTimeout: 30 * time.Minute,
	WaitForCancellation:    true,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:        time.Second,
		BackoffCoefficient:     2,
		MaximumInterval:        30 * time.Second,
		NonRetryableErrorTypes: activities.NonRetryableErrorTypes,
	},
}

// undoOptions retry an undo step for as long as billing fails for
// transport reasons: giving up half-way would leave records behind. A
// business fault still ends the undo at once, and the customer then ends
// as rollback_failed with the records it left.
var undoOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 2 * time.Minute,
	HeartbeatTimeout:    stepHeartbeatTimeout,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:        time.Second,
		BackoffCoefficient:     2,
		MaximumInterval:        5 * time.Minute,
		NonRetryableErrorTypes: activities.NonRetryableErrorTypes,
	},
}

// bookkeepingOptions run activities that only touch the service's own
// store. They retry until the store responds.
var bookkeepingOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 30 * time.Second,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:    time.Second,
		BackoffCoefficient: 2,
		MaximumInterval:    30 * time.Second,
	},
}

// notifyOptions send the completion webhook. The receiver may be down for
// a while, so attempts go on for a day, at most ten minutes apart.
var notifyOptions = workflow.ActivityOptions{
	StartToCloseTimeout:    time.Minute,
	ScheduleToCloseTimeout: 24 * time.Hour,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:    time.Second,
		BackoffCoefficient: 2,
		MaximumInterval:    10 * time.Minute,
	},
}

// localOptions run the store-only steps, Begin and Finish, as local
// activities: they take no round trip through the task queue, which saves
// two per customer. Their results are still recorded in history.
var localOptions = workflow.LocalActivityOptions{
	StartToCloseTimeout: 30 * time.Second,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:    time.Second,
		BackoffCoefficient: 2,
		MaximumInterval:    30 * time.Second,
	},
}

// changeLocalBookkeeping names the change that moved Begin and Finish to
// local activities. Customers whose history predates it keep regular
// activities on replay.
const changeLocalBookkeeping = "local-bookkeeping"

// changeRowNames names the change that has the batch workflow fetch the
// logins and names of the rows it starts, and start each customer with
// them already searchable and with local Begin and Finish. Batch runs
// whose history predates it leave that to the customers.
const changeRowNames = "row-names"

// namesChunk is how many rows' logins and names the batch workflow fetches
// in one local activity.
const namesChunk = 100
