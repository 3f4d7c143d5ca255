package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portaplus2/batchcustomers/store"
)

// opener opens a new handle on one database, with its own connections,
// as another process would. The handle closes when the test ends.
type opener func(t *testing.T) store.Store

// runContract runs every Store test against one backend. fresh returns
// an opener for a new, empty database.
func runContract(t *testing.T, fresh func(t *testing.T) opener) {
	tests := []struct {
		name string
		run  func(t *testing.T, open opener)
	}{
		{"CreateBatchIsIdempotent", testCreateBatchIsIdempotent},
		{"CustomerLifecycle", testCustomerLifecycle},
		{"RowVersions", testRowVersions},
		{"LargeBatch", testLargeBatch},
		{"TwoHandlesWriteConcurrently", testTwoHandlesWriteConcurrently},
		{"ConcurrentCreateBatchSameID", testConcurrentCreateBatchSameID},
		{"ConcurrentStartCustomer", testConcurrentStartCustomer},
		{"ConcurrentAddRowVersion", testConcurrentAddRowVersion},
		{"ConcurrentFinishCustomer", testConcurrentFinishCustomer},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, fresh(t)) })
	}
}

func sampleRows(n int) []store.Row {
	rows := make([]store.Row, n)
	for i := range rows {
		rows[i] = store.Row{Index: i, Login: "login" + string(rune('a'+i)),
			Name: "Customer " + string(rune('A'+i)), Data: json.RawMessage(`{"i":1}`)}
	}
	return rows
}

func testCreateBatchIsIdempotent(t *testing.T, open opener) {
	ctx := context.Background()
	s := open(t)

	b := store.Batch{ID: "b1", WorkflowID: "batch-b1", RequestHash: "h1", ResellerID: 7, ProductID: 9}
	got, created, err := s.CreateBatch(ctx, b, sampleRows(3))
	require.NoError(t, err)
	assert.True(t, created)
	assert.Equal(t, 3, got.Total)
	assert.Equal(t, store.StateAccepted, got.State)
	assert.False(t, got.CreatedAt.IsZero())

	again, created, err := s.CreateBatch(ctx, store.Batch{ID: "b1", RequestHash: "other"}, sampleRows(5))
	require.NoError(t, err)
	assert.False(t, created)
	assert.Equal(t, "h1", again.RequestHash)
	assert.Equal(t, 3, again.Total)

	read, err := s.Batch(ctx, "b1")
	require.NoError(t, err)
	assert.Equal(t, "batch-b1", read.WorkflowID)
	assert.Equal(t, int64(7), read.ResellerID)
	assert.Equal(t, int64(9), read.ProductID)
	assert.Equal(t, time.UTC, read.CreatedAt.Location())
	assert.WithinDuration(t, got.CreatedAt, read.CreatedAt, time.Millisecond)

	_, err = s.Batch(ctx, "nope")
	assert.ErrorIs(t, err, store.ErrNotFound)

	counts, err := s.Counts(ctx, "b1")
	require.NoError(t, err)
	assert.Equal(t, map[string]int{store.StatusPending: 3}, counts)
}

func testCustomerLifecycle(t *testing.T, open opener) {
	ctx := context.Background()
	s := open(t)
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
	assert.JSONEq(t, `{"x":2}`, string(recs[0].Result), "the last finished attempt's result")
	assert.Equal(t, store.StatusSkipped, recs[1].Status)
	assert.Nil(t, recs[1].Result)

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
	assert.ErrorIs(t, s.StartCustomer(ctx, "b1", 9, "wf-9"), store.ErrNotFound)
	assert.ErrorIs(t, s.FinishCustomer(ctx, "b1", 9, "wf-9", store.StatusCreated, nil), store.ErrNotFound)
	assert.ErrorIs(t, s.SetBatchState(ctx, "nope", store.StateRunning, ""), store.ErrNotFound)
	require.NoError(t, s.SetBatchState(ctx, "b1", store.StatePaused, "too many failures"))
	b, err := s.Batch(ctx, "b1")
	require.NoError(t, err)
	assert.Equal(t, store.StatePaused, b.State)
	assert.Equal(t, "too many failures", b.StateReason)
}

func testRowVersions(t *testing.T, open opener) {
	ctx := context.Background()
	s := open(t)
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

// testLargeBatch stores a batch of the largest size the endpoint accepts
// by default, and checks that the row data comes back byte for byte.
func testLargeBatch(t *testing.T, open opener) {
	ctx := context.Background()
	s := open(t)
	const n = 10000
	rows := make([]store.Row, n)
	for i := range rows {
		rows[i] = store.Row{Index: i, Login: fmt.Sprintf("login%05d", i), Name: fmt.Sprintf("Customer %05d", i),
			Data: json.RawMessage(fmt.Sprintf(`{ "i": %d,  "note": "spacing kept" }`, i))}
	}

	start := time.Now()
	b, created, err := s.CreateBatch(ctx, store.Batch{ID: "big"}, rows)
	require.NoError(t, err)
	t.Logf("CreateBatch of %d rows took %s", n, time.Since(start).Round(time.Millisecond))
	assert.True(t, created)
	assert.Equal(t, n, b.Total)

	counts, err := s.Counts(ctx, "big")
	require.NoError(t, err)
	assert.Equal(t, map[string]int{store.StatusPending: n}, counts)

	recs, err := s.Customers(ctx, "big", n-5, 100)
	require.NoError(t, err)
	require.Len(t, recs, 5)
	assert.Equal(t, n-5, recs[0].Index)
	assert.Equal(t, "login09999", recs[4].Login)

	row, err := s.Row(ctx, "big", 1234, 0)
	require.NoError(t, err)
	assert.Equal(t, `{ "i": 1234,  "note": "spacing kept" }`, string(row.Data))
}

func testTwoHandlesWriteConcurrently(t *testing.T, open opener) {
	ctx := context.Background()
	a, b := open(t), open(t)
	_, _, err := a.CreateBatch(ctx, store.Batch{ID: "b1"}, sampleRows(20))
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

// concurrentCallers is how many goroutines each concurrency test starts,
// split between two handles.
const concurrentCallers = 16

// runTogether calls fn(i, handle) for every caller at the same moment,
// alternating between the two handles, and waits for all of them.
func runTogether(handles [2]store.Store, fn func(i int, h store.Store)) {
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < concurrentCallers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			fn(i, handles[i%2])
		}(i)
	}
	close(start)
	wg.Wait()
}

func testConcurrentCreateBatchSameID(t *testing.T, open opener) {
	ctx := context.Background()
	handles := [2]store.Store{open(t), open(t)}
	stored := make([]store.Batch, concurrentCallers)
	created := make([]bool, concurrentCallers)
	runTogether(handles, func(i int, h store.Store) {
		var err error
		stored[i], created[i], err = h.CreateBatch(ctx,
			store.Batch{ID: "race", RequestHash: fmt.Sprintf("h%d", i)}, sampleRows(i%3+2))
		assert.NoError(t, err, "caller %d", i)
	})

	winners := 0
	winner := 0
	for i, c := range created {
		if c {
			winners++
			winner = i
		}
	}
	require.Equal(t, 1, winners, "exactly one caller creates the batch")
	want := stored[winner]
	for i, b := range stored {
		assert.Equal(t, want.RequestHash, b.RequestHash, "caller %d sees the winner's batch", i)
		assert.Equal(t, want.Total, b.Total, "caller %d", i)
	}
	counts, err := handles[0].Counts(ctx, "race")
	require.NoError(t, err)
	assert.Equal(t, map[string]int{store.StatusPending: winner%3 + 2}, counts, "only the winner's rows")
}

func testConcurrentStartCustomer(t *testing.T, open opener) {
	ctx := context.Background()
	handles := [2]store.Store{open(t), open(t)}
	_, _, err := handles[0].CreateBatch(ctx, store.Batch{ID: "b1"}, sampleRows(2))
	require.NoError(t, err)

	runTogether(handles, func(i int, h store.Store) {
		assert.NoError(t, h.StartCustomer(ctx, "b1", 1, fmt.Sprintf("wf-%d", i)), "caller %d", i)
	})

	recs, err := handles[1].Customers(ctx, "b1", 1, 1)
	require.NoError(t, err)
	require.Len(t, recs, 1)
	assert.Equal(t, concurrentCallers, recs[0].Attempts, "every distinct workflow id counts once")
	assert.Equal(t, store.StatusRunning, recs[0].Status)
}

func testConcurrentAddRowVersion(t *testing.T, open opener) {
	ctx := context.Background()
	handles := [2]store.Store{open(t), open(t)}
	_, _, err := handles[0].CreateBatch(ctx, store.Batch{ID: "b1"}, sampleRows(2))
	require.NoError(t, err)

	versions := make([]int, concurrentCallers)
	runTogether(handles, func(i int, h store.Store) {
		var err error
		versions[i], err = h.AddRowVersion(ctx, "b1", 1, json.RawMessage(fmt.Sprintf(`{"caller":%d}`, i)))
		assert.NoError(t, err, "caller %d", i)
	})

	sorted := append([]int(nil), versions...)
	sort.Ints(sorted)
	for i, v := range sorted {
		assert.Equal(t, i+1, v, "versions are 1..%d with no duplicates: %v", concurrentCallers, sorted)
	}
	for i, v := range versions {
		row, err := handles[1].Row(ctx, "b1", 1, v)
		require.NoError(t, err)
		assert.JSONEq(t, fmt.Sprintf(`{"caller":%d}`, i), string(row.Data), "version %d", v)
	}
}

func testConcurrentFinishCustomer(t *testing.T, open opener) {
	ctx := context.Background()
	handles := [2]store.Store{open(t), open(t)}
	_, _, err := handles[0].CreateBatch(ctx, store.Batch{ID: "b1"}, sampleRows(2))
	require.NoError(t, err)

	runTogether(handles, func(i int, h store.Store) {
		assert.NoError(t, h.FinishCustomer(ctx, "b1", 0, fmt.Sprintf("wf-%d", i), store.StatusFailed, nil),
			"caller %d", i)
	})

	attempts, err := handles[1].Attempts(ctx, "b1", 0)
	require.NoError(t, err)
	require.Len(t, attempts, concurrentCallers)
	seen := map[string]bool{}
	for i, a := range attempts {
		assert.Equal(t, i+1, a.Attempt, "attempts are numbered 1..%d with no duplicates", concurrentCallers)
		assert.False(t, seen[a.WorkflowID], "workflow %s recorded twice", a.WorkflowID)
		seen[a.WorkflowID] = true
	}
}
