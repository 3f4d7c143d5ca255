package app_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/portaplus2/batchcustomers/app"
	"github.com/portaplus2/batchcustomers/config"
)

func TestWorkerOptions(t *testing.T) {
	opts := app.WorkerOptions(config.Config{BillingConcurrency: 12, ActivitiesPerSecond: 50, PollerAutoscaling: true})
	assert.Equal(t, 24, opts.MaxConcurrentActivityExecutionSize, "twice the billing calls")
	assert.Equal(t, 50.0, opts.TaskQueueActivitiesPerSecond)
	assert.NotNil(t, opts.WorkflowTaskPollerBehavior)
	assert.NotNil(t, opts.ActivityTaskPollerBehavior)
	assert.Len(t, opts.Interceptors, 1, "the heartbeat interceptor")
	assert.Equal(t, app.WorkerStopTimeout, opts.WorkerStopTimeout)

	fixed := app.WorkerOptions(config.Config{BillingConcurrency: 12})
	assert.Nil(t, fixed.WorkflowTaskPollerBehavior, "the SDK's fixed pollers")
	assert.Nil(t, fixed.ActivityTaskPollerBehavior)
}
