package integration_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portaplus2/batchcustomers/api"
	"github.com/portaplus2/batchcustomers/emulator"
	"github.com/portaplus2/batchcustomers/internal/testenv"
	"github.com/portaplus2/batchcustomers/store"
	"github.com/portaplus2/batchcustomers/workflows"
)

// Retries sent while the batch keeps continuing as new every few
// customers, several at once and twice for the same customer, are each
// either queued once or rejected, never lost: every customer ends created
// exactly once.
func TestRetriesAcrossContinueAsNew(t *testing.T) {
	s := testenv.StartStack(t, testenv.StackOptions{Window: 2, ChildrenPerRun: 4,
		Emulator: emulator.Config{Latency: 20 * time.Millisecond}})
	ctx := context.Background()
	batch := testenv.MakeBatch(t, 24, 0)
	failing := []int{1, 5, 9}
	var faults []string
	for _, i := range failing {
		id, err := s.Emulator.Admin.AddFault(ctx, emulator.FaultRule{
			Method: "Account.add_alias", Match: map[string]string{"alias_info.id": testenv.Digits(batch.CustData[i].AliasNumber)},
			Action: emulator.ActionFault, FaultCode: "Server.Account.alias_not_allowed", FaultString: "not yet",
		})
		require.NoError(t, err)
		faults = append(faults, id)
	}
	body, err := json.Marshal(batch)
	require.NoError(t, err)
	reply := accept(t, s, "application/json", body)

	for _, i := range failing {
		waitStatus(t, s, reply.BatchID, i, store.StatusFailed)
	}
	for _, id := range faults {
		require.NoError(t, s.Emulator.Admin.DeleteFault(ctx, id))
	}

	// Fire the retries together, customer 1 twice, while later customers
	// still run and the batch continues as new.
	wf := api.TemporalWorkflows{Client: s.Client, TaskQueue: testenv.TaskQueue, Window: 2, ChildrenPerRun: 4}
	var mu sync.Mutex
	accepted := map[int]int{}
	var rejected []error
	var wg sync.WaitGroup
	for _, i := range append(failing, 1) {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			res, err := wf.Retry(ctx, reply.BatchID, workflows.RetryRequest{Indexes: []int{i}},
				workflows.RestartInput(reply.BatchID, 4512, make([]string, 24), nil))
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				rejected = append(rejected, err)
				return
			}
			accepted[res.Retries[0].Index]++
		}(i)
	}
	wg.Wait()
	for _, err := range rejected {
		t.Logf("rejected: %v", err)
		assert.True(t, errors.Is(err, api.ErrRejected), "only validator rejections are allowed: %v", err)
	}
	assert.Equal(t, map[int]int{1: 1, 5: 1, 9: 1}, accepted, "each customer is retried exactly once")

	rep := waitDone(t, s, reply.BatchID, 3*time.Minute)
	for _, i := range failing {
		waitStatus(t, s, reply.BatchID, i, store.StatusCreated)
	}
	rep = waitDone(t, s, reply.BatchID, time.Minute)
	assert.Equal(t, store.StateCompleted, rep.State)
	for _, i := range failing {
		assert.Equal(t, 2, rep.Customers[i].Attempts, "customer %d", i)
	}
	v := testenv.BillingView{St: state(t, s)}
	for _, row := range batch.CustData {
		testenv.AssertCreated(t, v, row)
	}
}
