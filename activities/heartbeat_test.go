package activities

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

func TestKeepAliveBeatsUntilStopped(t *testing.T) {
	var beats atomic.Int32
	_, stop := keepAlive(context.Background(), 5*time.Millisecond, func() { beats.Add(1) })
	require.Eventually(t, func() bool { return beats.Load() >= 3 }, 5*time.Second, time.Millisecond)
	stop()
	after := beats.Load()
	time.Sleep(30 * time.Millisecond)
	assert.Equal(t, after, beats.Load(), "no beat after stop")
}

func TestKeepAliveSendsNothingForAQuickStep(t *testing.T) {
	var beats atomic.Int32
	_, stop := keepAlive(context.Background(), time.Hour, func() { beats.Add(1) })
	stop()
	assert.Zero(t, beats.Load())
}

type ctxKey struct{}

func TestKeepAliveIgnoresCancellation(t *testing.T) {
	deadline := time.Now().Add(time.Hour)
	parent, cancel := context.WithDeadline(context.WithValue(context.Background(), ctxKey{}, "v"), deadline)
	run, stop := keepAlive(parent, time.Hour, func() {})
	defer stop()

	cancel()
	require.Error(t, parent.Err())
	assert.NoError(t, run.Err(), "cancelling the activity does not cancel its billing calls")
	got, ok := run.Deadline()
	assert.True(t, ok)
	assert.Equal(t, deadline, got, "the start-to-close deadline still applies")
	assert.Equal(t, "v", run.Value(ctxKey{}), "the activity's values stay reachable")

	stop()
	assert.Error(t, run.Err(), "stop releases the deadline's timer")
}

// slowStep is a billing step that outlives a few heartbeat
// intervals. It reports the activity type, which needs the activity's
// values in the context it receives.
func slowStep(ctx context.Context, d time.Duration) (string, error) {
	time.Sleep(d)
	return activity.GetInfo(ctx).ActivityType.Name, ctx.Err()
}

func stepWorkflow(ctx workflow.Context, heartbeat time.Duration) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute, HeartbeatTimeout: heartbeat})
	var name string
	err := workflow.ExecuteActivity(ctx, slowStep, 200*time.Millisecond).Get(ctx, &name)
	return name, err
}

func TestHeartbeatInterceptor(t *testing.T) {
	for _, tc := range []struct {
		name      string
		heartbeat time.Duration
		wantBeats bool
	}{
		{"with a heartbeat timeout the step heartbeats", 10 * time.Second, true},
		{"without one it does not", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var suite testsuite.WorkflowTestSuite
			env := suite.NewTestWorkflowEnvironment()
			env.SetWorkerOptions(worker.Options{Interceptors: []interceptor.WorkerInterceptor{
				&heartbeatInterceptor{every: 20 * time.Millisecond}}})
			env.RegisterActivity(slowStep)
			var beats atomic.Int32
			env.SetOnActivityHeartbeatListener(func(*activity.Info, converter.EncodedValues) { beats.Add(1) })

			env.ExecuteWorkflow(stepWorkflow, tc.heartbeat)
			require.NoError(t, env.GetWorkflowError())
			var name string
			require.NoError(t, env.GetWorkflowResult(&name))
			assert.Equal(t, "slowStep", name)
			if tc.wantBeats {
				assert.Positive(t, beats.Load())
			} else {
				assert.Zero(t, beats.Load())
			}
		})
	}
}
