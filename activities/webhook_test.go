package activities_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/portaplus2/batchcustomers/activities"
)

func TestWebhookIsSignedAndChecked(t *testing.T) {
	var mu sync.Mutex
	var bodies [][]byte
	var signatures []string
	status := http.StatusServiceUnavailable
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		bodies = append(bodies, body)
		signatures = append(signatures, r.Header.Get(activities.SignatureHeader))
		w.WriteHeader(status)
	}))
	defer hs.Close()

	acts := &activities.Activities{Webhook: activities.Webhook{URL: hs.URL, Secret: "s3cret"}}
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestActivityEnvironment()
	env.RegisterActivity(acts)
	in := activities.NotifyInput{BatchID: "b1", State: "completed_with_errors", Total: 3,
		Counts: map[string]int{"created": 2, "failed": 1}}

	_, err := env.ExecuteActivity(acts.NotifyCompletion, in)
	require.Error(t, err, "a 503 answer is an error, so Temporal retries")

	status = http.StatusNoContent
	_, err = env.ExecuteActivity(acts.NotifyCompletion, in)
	require.NoError(t, err)

	require.Len(t, bodies, 2)
	var ev activities.CompletionEvent
	require.NoError(t, json.Unmarshal(bodies[1], &ev))
	assert.Equal(t, "batch.finished", ev.Event)
	assert.Equal(t, "b1", ev.BatchID)
	assert.Equal(t, 2, ev.Counts["created"])
	assert.Equal(t, activities.Sign("s3cret", bodies[1]), signatures[1])
	assert.NotEqual(t, activities.Sign("other", bodies[1]), signatures[1])
}

func TestWebhookUnsetSendsNothing(t *testing.T) {
	acts := &activities.Activities{}
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestActivityEnvironment()
	env.RegisterActivity(acts)
	_, err := env.ExecuteActivity(acts.NotifyCompletion, activities.NotifyInput{BatchID: "b1"})
	assert.NoError(t, err)
}
