package integration_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portaplus2/batchcustomers/internal/testenv"
	"github.com/portaplus2/batchcustomers/store"
)

// The endpoint in the test process and two worker processes share one
// PostgreSQL store, as they would on three hosts: the workers run every
// workflow and activity, and the endpoint reports what they wrote.
func TestPostgresStoreSharedAcrossProcesses(t *testing.T) {
	// The test server trusts local connections and ignores this password.
	// It is there to check that the workers do not log it.
	url := strings.Replace(testenv.StartPostgres(t), "postgres@", "postgres:s3cret@", 1)
	s := testenv.StartStack(t, testenv.StackOptions{StoreURL: url, Window: 5})
	// Without the in-process worker, every task goes to the processes.
	s.Worker.Stop()

	sqlitePath := filepath.Join(t.TempDir(), "batches.db")
	env := []string{
		"BATCH_TEMPORAL_ADDRESS=" + s.Temporal.FrontendHostPort(),
		"BATCH_TASK_QUEUE=" + testenv.TaskQueue,
		"BATCH_STORE_URL=" + url,
		"BATCH_STORE_PATH=" + sqlitePath,
		"BATCH_BILLING_URL=" + s.Emulator.URL,
		"BATCH_METRICS_ADDR=",
		"BATCH_LOG_FORMAT=json",
	}
	workerBin := filepath.Join(testenv.Binaries(t), "worker")
	workers := []*testenv.Process{
		testenv.StartProcess(t, workerBin, env),
		testenv.StartProcess(t, workerBin, env),
	}

	batch := testenv.MakeBatch(t, 10, 0)
	body, err := json.Marshal(batch)
	require.NoError(t, err)
	reply := accept(t, s, "application/json", body)
	rep := waitDone(t, s, reply.BatchID, 3*time.Minute)

	assert.Equal(t, store.StateCompleted, rep.State)
	require.Len(t, rep.Customers, 10)
	for _, c := range rep.Customers {
		assert.Equal(t, store.StatusCreated, c.Status, "customer %d", c.Index)
		assert.Equal(t, 1, c.Attempts, "customer %d", c.Index)
	}
	v := testenv.BillingView{St: state(t, s)}
	for _, row := range batch.CustData {
		testenv.AssertCreated(t, v, row)
	}
	assert.Len(t, v.St.Customers, 11, "the reseller and the ten customers")

	// A third handle, as another host would open it, reads the same rows.
	other, err := store.OpenPostgres(context.Background(), url)
	require.NoError(t, err)
	defer other.Close()
	counts, err := other.Counts(context.Background(), reply.BatchID)
	require.NoError(t, err)
	assert.Equal(t, map[string]int{store.StatusCreated: 10}, counts)
	for i := range batch.CustData {
		attempts, err := other.Attempts(context.Background(), reply.BatchID, i)
		require.NoError(t, err)
		assert.Len(t, attempts, 1, "customer %d", i)
	}

	assert.NoFileExists(t, sqlitePath, "the workers must not open the SQLite store")
	for i, w := range workers {
		out := w.Output()
		assert.Contains(t, out, `"store_backend":"postgres"`, "worker %d log", i)
		assert.NotContains(t, out, "s3cret", "worker %d log", i)
	}
}
