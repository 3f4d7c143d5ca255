// Package integration_test runs the service on real components: a
// Temporal dev server from the pinned CLI, the billing emulator, a worker
// and the HTTP endpoint. Assertions read the emulator's final state.
package integration_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portaplus2/batchcustomers/emulator"
	"github.com/portaplus2/batchcustomers/internal/testenv"
	"github.com/portaplus2/batchcustomers/store"
	"github.com/portaplus2/batchcustomers/wire"
	"github.com/portaplus2/batchcustomers/workflows"
)

func TestSampleBatchCreatesThreeCustomers(t *testing.T) {
	s := testenv.StartStack(t, testenv.StackOptions{})
	body := readSample(t, "batch-3-customers.xml")

	reply := accept(t, s, "application/xml", body)
	assert.Equal(t, workflows.BatchWorkflowID(reply.BatchID), reply.WorkflowID)
	assert.Contains(t, reply.TemporalUIURL, "/namespaces/default/workflows/"+reply.WorkflowID)

	rep := waitDone(t, s, reply.BatchID, 2*time.Minute)
	assert.Equal(t, store.StateCompleted, rep.State)
	require.Len(t, rep.Customers, 3)
	for _, c := range rep.Customers {
		require.NotNil(t, c.Result, "customer %d", c.Index)
		assert.Equal(t, store.StatusCreated, c.Status, "customer %d: %+v", c.Index, c.Result.Error)
		assert.NotZero(t, c.Result.ICustomer)
		assert.NotEmpty(t, c.Result.Accounts)
	}

	dto, err := wire.DecodeXML(bytes.NewReader(body))
	require.NoError(t, err)
	v := testenv.BillingView{St: state(t, s)}
	for _, row := range dto.CustData {
		testenv.AssertCreated(t, v, row)
	}
	assert.Len(t, v.St.Customers, 4, "the reseller and the three customers")

	// The same request again, now as JSON, is the same batch: nothing new
	// starts and billing is unchanged.
	again := accept(t, s, "application/json", readSample(t, "batch-3-customers.json"))
	assert.Equal(t, reply.BatchID, again.BatchID)
	status, hdr, _ := post(t, s, "/xml/oneway/BatchCustomerCreation", "application/xml", body)
	assert.Equal(t, http.StatusNoContent, status)
	assert.Equal(t, "/batches/"+reply.BatchID, hdr.Get("Location"))
	time.Sleep(time.Second)
	assert.Len(t, state(t, s).Customers, 4)
}

func TestFiftyCustomersOneFailsAtAlias(t *testing.T) {
	s := testenv.StartStack(t, testenv.StackOptions{Window: 10, ChildrenPerRun: 20})
	batch := testenv.MakeBatch(t, 50, 0)
	const bad = 23
	_, err := s.Emulator.Admin.AddFault(context.Background(), emulator.FaultRule{
		Method: "Account.add_alias",
		Match:  map[string]string{"alias_info.id": testenv.Digits(batch.CustData[bad].AliasNumber)},
		Action: emulator.ActionFault, FaultCode: "Server.Account.alias_not_allowed",
		FaultString: "this number cannot be used as an alias",
	})
	require.NoError(t, err)
	body, err := json.Marshal(batch)
	require.NoError(t, err)

	reply := accept(t, s, "application/json", body)
	rep := waitDone(t, s, reply.BatchID, 4*time.Minute)

	assert.Equal(t, store.StateCompletedWithErrors, rep.State)
	require.Len(t, rep.Customers, 50)
	for _, c := range rep.Customers {
		if c.Index == bad {
			assert.Equal(t, store.StatusFailed, c.Status)
			require.NotNil(t, c.Result)
			assert.Equal(t, workflows.StepAlias, c.Result.FailedStep)
			require.NotNil(t, c.Result.Error)
			assert.Equal(t, "Server.Account.alias_not_allowed", c.Result.Error.Code)
			assert.Equal(t, []string{workflows.StepAlias, workflows.StepAccounts, workflows.StepCustomer}, c.Result.RolledBack)
			assert.Equal(t, workflows.CustomerWorkflowID(reply.BatchID, bad, 1), c.Result.WorkflowID)
			continue
		}
		assert.Equal(t, store.StatusCreated, c.Status, "customer %d", c.Index)
	}

	v := testenv.BillingView{St: state(t, s)}
	for i, row := range batch.CustData {
		if i == bad {
			testenv.AssertNothingLive(t, v, row, workflows.CustomerKey(reply.BatchID, bad))
			continue
		}
		testenv.AssertCreated(t, v, row)
	}

	// The batch ran in several runs (20 children per run) and its result
	// still lists every customer.
	run := s.Client.GetWorkflow(context.Background(), reply.WorkflowID, "")
	var res workflows.BatchResult
	require.NoError(t, run.Get(context.Background(), &res))
	assert.Equal(t, 49, res.Counts[store.StatusCreated])
	assert.Equal(t, 1, res.Counts[store.StatusFailed])
	assert.Len(t, res.Customers, 50)

	// Today's histories replay on today's code, and can be kept as the
	// recorded histories of this release.
	for name, id := range map[string]string{
		"batch-last-run":   reply.WorkflowID,
		"customer-created": workflows.CustomerWorkflowID(reply.BatchID, 0, 1),
		"customer-failed":  workflows.CustomerWorkflowID(reply.BatchID, bad, 1),
	} {
		testenv.Replay(t, testenv.SaveHistory(t, s.Client, id, name))
	}
}
