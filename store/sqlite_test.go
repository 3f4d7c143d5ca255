package store_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portaplus2/batchcustomers/store"
)

func openTemp(t *testing.T) (*store.SQLite, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "batches.db")
	s, err := store.OpenSQLite(path)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s, path
}

func sampleRows(n int) []store.Row {
	rows := make([]store.Row, n)
	for i := range rows {
		rows[i] = store.Row{Index: i, Login: "login" + string(rune('a'+i)),
			Name: "Customer " + string(rune('A'+i)), Data: json.RawMessage(`{"i":1}`)}
	}
	return rows
}

func TestCreateBatchIsIdempotent(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)

	b := store.Batch{ID: "b1", WorkflowID: "batch-b1", RequestHash: "h1", ResellerID: 7}
	got, created, err := s.CreateBatch(ctx, b, sampleRows(3))
	require.NoError(t, err)
	assert.True(t, created)
	assert.Equal(t, 3, got.Total)
	assert.Equal(t, store.StateAccepted, got.State)

	again, created, err := s.CreateBatch(ctx, store.Batch{ID: "b1", RequestHash: "other"}, sampleRows(5))
	require.NoError(t, err)
	assert.False(t, created)
	assert.Equal(t, "h1", again.RequestHash)
	assert.Equal(t, 3, again.Total)

	counts, err := s.Counts(ctx, "b1")
	require.NoError(t, err)
	assert.Equal(t, map[string]int{store.StatusPending: 3}, counts)
}

func TestCustomerLifecycle(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	_, _, err := s.CreateBatch(ctx, store.Batch{ID: "b1", WorkflowID: "batch-b1"}, sampleRows(3))
	require.NoError(t, err)

	row, err := s.Row(ctx, "b1", 1, 0)
	require.NoError(t, err)
	assert.Equal(t, "loginb", row.Login)
	assert.JSONEq(t, `{"i":1}`, string(row.Data))

	require.NoError(t, s.StartCustomer(ctx, "b1", 1, "wf-1"))
	require.NoError(t, s.StartCustomer(ctx, "b1", 1, "wf-1")) // retried activity
	require.NoError(t, s.FinishCustomer(ctx, "b1", 1, "wf-1", store.StatusFailed, json.RawMessage(`{"x":2}`)))
	require.NoError(t, s.FinishCustomer(ctx, "b1", 1, "wf-1", store.StatusFailed, json.RawMessage(`{"x":2}`)))
	require.NoError(t, s.StartCustomer(ctx, "b1", 1, "wf-1-a2"))
	require.NoError(t, s.FinishCustomer(ctx, "b1", 0, "wf-0", store.StatusCreated, nil))

	skipped, err := s.SkipPending(ctx, "b1")
	require.NoError(t, err)
	assert.Equal(t, 1, skipped)

	recs, err := s.Customers(ctx, "b1", 1, 10)
	require.NoError(t, err)
	require.Len(t, recs, 2)
	assert.Equal(t, store.StatusRunning, recs[0].Status)
	assert.Equal(t, 2, recs[0].Attempts)
	assert.Equal(t, "wf-1-a2", recs[0].WorkflowID)
	assert.Equal(t, store.StatusSkipped, recs[1].Status)

	require.NoError(t, s.FinishCustomer(ctx, "b1", 1, "wf-1-a2", store.StatusCreated, json.RawMessage(`{"x":3}`)))
	attempts, err := s.Attempts(ctx, "b1", 1)
	require.NoError(t, err)
	require.Len(t, attempts, 2, "a retried write replaces its attempt")
	assert.Equal(t, 1, attempts[0].Attempt)
	assert.Equal(t, store.StatusFailed, attempts[0].Status)
	assert.Equal(t, 2, attempts[1].Attempt)
	assert.Equal(t, "wf-1-a2", attempts[1].WorkflowID)
	assert.JSONEq(t, `{"x":3}`, string(attempts[1].Result))

	_, err = s.Row(ctx, "b1", 9, 0)
	assert.ErrorIs(t, err, store.ErrNotFound)
	assert.ErrorIs(t, s.SetBatchState(ctx, "nope", store.StateRunning, ""), store.ErrNotFound)
	require.NoError(t, s.SetBatchState(ctx, "b1", store.StatePaused, "too many failures"))
	b, err := s.Batch(ctx, "b1")
	require.NoError(t, err)
	assert.Equal(t, store.StatePaused, b.State)
	assert.Equal(t, "too many failures", b.StateReason)
}

func TestRowVersions(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	_, _, err := s.CreateBatch(ctx, store.Batch{ID: "b1"}, sampleRows(2))
	require.NoError(t, err)

	v1, err := s.AddRowVersion(ctx, "b1", 1, json.RawMessage(`{"fixed":1}`))
	require.NoError(t, err)
	v2, err := s.AddRowVersion(ctx, "b1", 1, json.RawMessage(`{"fixed":2}`))
	require.NoError(t, err)
	assert.Equal(t, 1, v1)
	assert.Equal(t, 2, v2)

	row, err := s.Row(ctx, "b1", 1, 1)
	require.NoError(t, err)
	assert.JSONEq(t, `{"fixed":1}`, string(row.Data))
	assert.Equal(t, "loginb", row.Login)
	row, err = s.Row(ctx, "b1", 1, 0)
	require.NoError(t, err)
	assert.JSONEq(t, `{"i":1}`, string(row.Data), "version 0 is the row as accepted")

	_, err = s.Row(ctx, "b1", 1, 3)
	assert.ErrorIs(t, err, store.ErrNotFound)
	_, err = s.AddRowVersion(ctx, "b1", 7, json.RawMessage(`{}`))
	assert.ErrorIs(t, err, store.ErrNotFound)
}

func TestTwoHandlesWriteConcurrently(t *testing.T) {
	ctx := context.Background()
	a, path := openTemp(t)
	b, err := store.OpenSQLite(path)
	require.NoError(t, err)
	defer b.Close()
	_, _, err = a.CreateBatch(ctx, store.Batch{ID: "b1"}, sampleRows(20))
	require.NoError(t, err)

	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			h := a
			if i%2 == 1 {
				h = b
			}
			assert.NoError(t, h.FinishCustomer(ctx, "b1", i, "wf", store.StatusCreated, nil))
		}(i)
	}
	wg.Wait()
	counts, err := b.Counts(ctx, "b1")
	require.NoError(t, err)
	assert.Equal(t, 20, counts[store.StatusCreated])
}
