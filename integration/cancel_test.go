package integration_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portaplus2/batchcustomers/emulator"
	"github.com/portaplus2/batchcustomers/internal/testenv"
	"github.com/portaplus2/batchcustomers/store"
	"github.com/portaplus2/batchcustomers/workflows"
)

// A batch cancelled while a customer's alias call is in flight rolls that
// customer back completely, keeps the finished one and skips the rest.
func TestCancelRollsBackRunningCustomer(t *testing.T) {
	s := testenv.StartStack(t, testenv.StackOptions{Window: 1})
	ctx := context.Background()
	batch := testenv.MakeBatch(t, 4, 0)
	const slow = 1
	_, err := s.Emulator.Admin.AddFault(ctx, emulator.FaultRule{
		Method: "Account.add_alias",
		Match:  map[string]string{"alias_info.id": testenv.Digits(batch.CustData[slow].AliasNumber)},
		// Longer than the worker's heartbeat interval, so that the
		// cancellation reaches the running step in a heartbeat response.
		Action: emulator.ActionLatency, Delay: emulator.Duration(7 * time.Second),
	})
	require.NoError(t, err)
	body, err := json.Marshal(batch)
	require.NoError(t, err)
	reply := accept(t, s, "application/json", body)

	// Wait until the slow customer's accounts exist: its alias call is
	// then in flight.
	slowAccount := batch.CustData[slow].Account.AccountRequest.AccountsToCreate[1].AcntId
	require.Eventually(t, func() bool {
		return len(testenv.BillingView{St: state(t, s)}.AccountsWithID(slowAccount)) == 1
	}, time.Minute, 50*time.Millisecond)
	time.Sleep(300 * time.Millisecond)
	require.NoError(t, s.Client.CancelWorkflow(ctx, reply.WorkflowID, ""))

	rep := waitDone(t, s, reply.BatchID, 2*time.Minute)
	assert.Equal(t, store.StateCancelled, rep.State)
	require.Len(t, rep.Customers, 4)
	assert.Equal(t, store.StatusCreated, rep.Customers[0].Status)
	assert.Equal(t, store.StatusRolledBack, rep.Customers[slow].Status)
	require.NotNil(t, rep.Customers[slow].Result)
	assert.Equal(t, []string{workflows.StepAlias, workflows.StepAccounts, workflows.StepCustomer},
		rep.Customers[slow].Result.RolledBack)
	assert.Equal(t, store.StatusSkipped, rep.Customers[2].Status)
	assert.Equal(t, store.StatusSkipped, rep.Customers[3].Status)

	v := testenv.BillingView{St: state(t, s)}
	testenv.AssertCreated(t, v, batch.CustData[0])
	testenv.AssertNothingLive(t, v, batch.CustData[slow], workflows.CustomerKey(reply.BatchID, slow))
	for _, i := range []int{2, 3} {
		assert.Empty(t, v.CustomersNamed(batch.CustData[i].Customer.Customer.PersonalInformation.Name))
	}

	// The alias call in flight was allowed to finish, then every undo ran
	// to completion: none was cancelled along with the batch.
	hist := s.Client.GetWorkflowHistory(ctx, workflows.CustomerWorkflowID(reply.BatchID, slow, 1), "", false, 0)
	scheduled := map[int64]string{}
	completed := map[string]bool{}
	for hist.HasNext() {
		ev, err := hist.Next()
		require.NoError(t, err)
		if a := ev.GetActivityTaskScheduledEventAttributes(); a != nil {
			scheduled[ev.GetEventId()] = a.GetActivityType().GetName()
		}
		if a := ev.GetActivityTaskCompletedEventAttributes(); a != nil {
			completed[scheduled[a.GetScheduledEventId()]] = true
		}
		if a := ev.GetActivityTaskCanceledEventAttributes(); a != nil {
			t.Errorf("activity %s ended cancelled", scheduled[a.GetScheduledEventId()])
		}
	}
	// Finish runs as a local activity, so it shows as a marker, not here;
	// the report above shows that it ran.
	for _, name := range []string{"AddAlias", "RemoveAlias", "TerminateAccounts", "RemoveCustomer"} {
		assert.True(t, completed[name], "activity %s did not complete", name)
	}
	assert.False(t, completed["SetDisplay"], "no step may start after the cancel")

	testenv.Replay(t, testenv.SaveHistory(t, s.Client, reply.WorkflowID, "batch-cancelled"))
	testenv.Replay(t, testenv.SaveHistory(t, s.Client,
		workflows.CustomerWorkflowID(reply.BatchID, slow, 1), "customer-cancelled"))
}
