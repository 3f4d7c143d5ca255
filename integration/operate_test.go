package integration_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/portaplus2/batchcustomers/api"
	"github.com/portaplus2/batchcustomers/emulator"
	"github.com/portaplus2/batchcustomers/internal/testenv"
	"github.com/portaplus2/batchcustomers/store"
	"github.com/portaplus2/batchcustomers/workflows"
)

// A batch with one failed customer: operators find it by search
// attribute, read it in the progress query and the report, and retry it
// once the billing fault is gone. The customer then exists exactly once.
func TestFindReadAndRetryFailedCustomer(t *testing.T) {
	s := testenv.StartStack(t, testenv.StackOptions{Window: 5})
	ctx := context.Background()
	batch := testenv.MakeBatch(t, 8, 0)
	const bad = 5
	faultID, err := s.Emulator.Admin.AddFault(ctx, emulator.FaultRule{
		Method: "Account.update_service_features",
		Match:  map[string]string{"service_features.0.attributes.0.values.0": "Example Dental"},
		Action: emulator.ActionFault, FaultCode: "Server.Account.cli_not_allowed", FaultString: "display name refused",
		After: 0,
	})
	require.NoError(t, err)
	// Only customer 5 gets the refused display name.
	for i := range batch.CustData {
		if i != bad {
			batch.CustData[i].DisplayName = "Load Test " + string(rune('A'+i))
		}
	}
	body, err := json.Marshal(batch)
	require.NoError(t, err)
	reply := accept(t, s, "application/json", body)
	rep := waitDone(t, s, reply.BatchID, 2*time.Minute)
	require.Equal(t, store.StateCompletedWithErrors, rep.State)
	require.Equal(t, store.StatusFailed, rep.Customers[bad].Status)
	assert.Equal(t, workflows.StepDisplay, rep.Customers[bad].Result.FailedStep)

	// Find: visibility is eventually consistent, so poll.
	failedQuery := "WorkflowType='CustomerWorkflow' AND BatchId='" + reply.BatchID + "' AND CustomerStatus='failed'"
	var found []string
	require.Eventually(t, func() bool {
		resp, err := s.Client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: failedQuery})
		if err != nil {
			return false
		}
		found = nil
		for _, e := range resp.GetExecutions() {
			found = append(found, e.GetExecution().GetWorkflowId())
		}
		return len(found) == 1
	}, 20*time.Second, 200*time.Millisecond, "query %s found %v", failedQuery, found)
	assert.Equal(t, workflows.CustomerWorkflowID(reply.BatchID, bad, 1), found[0])

	login := batch.CustData[bad].Customer.Customer.PersonalInformation.Login
	desc, err := s.Client.DescribeWorkflow(ctx, found[0], "")
	require.NoError(t, err)
	summary, err := desc.GetStaticSummary()
	require.NoError(t, err)
	assert.Equal(t, "Customer index 5 of 8, batch "+reply.BatchID, summary)
	gotLogin, ok := desc.TypedSearchAttributes.GetKeyword(workflows.SearchAttributeCustomerLogin)
	assert.True(t, ok)
	assert.Equal(t, login, gotLogin)
	idx, ok := desc.TypedSearchAttributes.GetInt64(workflows.SearchAttributeCustomerIndex)
	assert.True(t, ok)
	assert.Equal(t, int64(bad), idx)
	bdesc, err := s.Client.DescribeWorkflow(ctx, reply.WorkflowID, "")
	require.NoError(t, err)
	bsummary, err := bdesc.GetStaticSummary()
	require.NoError(t, err)
	assert.Equal(t, "Batch "+reply.BatchID+": 8 customers, reseller 4512", bsummary)
	status, _ := bdesc.TypedSearchAttributes.GetKeyword(workflows.SearchAttributeBatchStatus)
	assert.Equal(t, store.StateCompletedWithErrors, status)
	assert.NotContains(t, bdesc.RawResponse.String(), "Vq8#", "no password in the batch's metadata")

	// Read: the report names the failure.
	csvResp, err := http.Get(s.API.URL + "/batches/" + reply.BatchID + "/report.csv")
	require.NoError(t, err)
	defer csvResp.Body.Close()
	assert.Equal(t, http.StatusOK, csvResp.StatusCode)

	// The workflow validator rejects a customer that did not fail, even
	// when the endpoint's own check is bypassed.
	wf := api.TemporalWorkflows{Client: s.Client, TaskQueue: testenv.TaskQueue}
	restart := workflows.RestartInput(reply.BatchID, 4512, statusesOf(rep), attemptsOf(rep))
	_, err = wf.Retry(ctx, reply.BatchID, workflows.RetryRequest{Indexes: []int{0}}, restart)
	require.Error(t, err)
	assert.True(t, errors.Is(err, api.ErrRejected), "%v", err)
	assert.Contains(t, err.Error(), "customer 0 is created, not failed")

	// Repair: remove the fault, retry over HTTP.
	require.NoError(t, s.Emulator.Admin.DeleteFault(ctx, faultID))
	code, _, data := post(t, s, "/batches/"+reply.BatchID+"/retry", "application/json", []byte(`{"Indexes":[5]}`))
	require.Equal(t, http.StatusOK, code, string(data))
	var retry api.RetryReply
	require.NoError(t, json.Unmarshal(data, &retry))
	require.Len(t, retry.Retries, 1)
	assert.Equal(t, workflows.CustomerWorkflowID(reply.BatchID, bad, 2), retry.Retries[0].WorkflowID)

	rep = waitStatus(t, s, reply.BatchID, bad, store.StatusCreated)
	waitDone(t, s, reply.BatchID, time.Minute)
	c := rep.Customers[bad]
	assert.Equal(t, 2, c.Attempts)
	require.Len(t, c.History, 1, "the failed first attempt is kept")
	assert.Equal(t, store.StatusFailed, c.History[0].Status)
	assert.Equal(t, "Server.Account.cli_not_allowed", c.History[0].ErrorCode)

	v := testenv.BillingView{St: state(t, s)}
	for _, row := range batch.CustData {
		testenv.AssertCreated(t, v, row)
	}

	// A second retry of the now-created customer is rejected.
	code, _, data = post(t, s, "/batches/"+reply.BatchID+"/retry", "application/json", []byte(`{"Indexes":[5]}`))
	assert.Equal(t, http.StatusBadRequest, code)
	assert.Contains(t, string(data), "customer 5 is created, not failed")

	testenv.Replay(t, testenv.SaveHistory(t, s.Client, reply.WorkflowID, "batch-retried"))
	testenv.Replay(t, testenv.SaveHistory(t, s.Client, workflows.CustomerWorkflowID(reply.BatchID, bad, 2), "customer-retried"))
}

// An error threshold pauses a bad batch after a handful of customers;
// an operator resumes it over HTTP and it completes.
func TestErrorThresholdPausesThenResume(t *testing.T) {
	s := testenv.StartStack(t, testenv.StackOptions{Window: 1})
	ctx := context.Background()
	faultID, err := s.Emulator.Admin.AddFault(ctx, emulator.FaultRule{
		Method: "Account.add_alias", Action: emulator.ActionFault,
		FaultCode: "Server.Account.alias_not_allowed", FaultString: "no aliases today",
	})
	require.NoError(t, err)
	body, err := json.Marshal(testenv.MakeBatch(t, 12, 0))
	require.NoError(t, err)
	code, _, data := post(t, s, "/json/reply/BatchCustomerCreation?error_threshold=50&error_threshold_after=3",
		"application/json", body)
	require.Equal(t, http.StatusOK, code, string(data))
	var reply api.AcceptedReply
	require.NoError(t, json.Unmarshal(data, &reply))

	var rep api.BatchReport
	require.Eventually(t, func() bool {
		rep = report(t, s, reply.BatchID)
		return rep.State == store.StatePaused
	}, time.Minute, 100*time.Millisecond)
	assert.Contains(t, rep.StateReason, "more than the 50% threshold")
	counts := map[string]int{}
	for _, c := range rep.Counts {
		counts[c.Status] = c.Count
	}
	assert.Equal(t, 3, counts[store.StatusFailed], "the batch stopped after three failures")
	assert.Equal(t, 9, counts[store.StatusPending])

	require.NoError(t, s.Emulator.Admin.DeleteFault(ctx, faultID))
	code, _, data = post(t, s, "/batches/"+reply.BatchID+"/resume", "application/json", nil)
	require.Equal(t, http.StatusAccepted, code, string(data))
	rep = waitDone(t, s, reply.BatchID, 2*time.Minute)
	assert.Equal(t, store.StateCompletedWithErrors, rep.State)
	for _, c := range rep.Counts {
		counts[c.Status] = c.Count
	}
	assert.Equal(t, 9, counts[store.StatusCreated])

	code, _, data = post(t, s, "/batches/"+reply.BatchID+"/retry", "application/json", []byte(`{"AllFailed":true}`))
	require.Equal(t, http.StatusOK, code, string(data))
	rep = waitStatus(t, s, reply.BatchID, 2, store.StatusCreated)
	rep = waitDone(t, s, reply.BatchID, time.Minute)
	assert.Equal(t, store.StateCompleted, rep.State, "all failed customers were retried after the fix")
}

// waitStatus polls until one customer reaches a status.
func waitStatus(t *testing.T, s *testenv.Stack, id string, index int, status string) api.BatchReport {
	t.Helper()
	var rep api.BatchReport
	require.Eventually(t, func() bool {
		rep = report(t, s, id)
		return rep.Customers[index].Status == status
	}, 2*time.Minute, 100*time.Millisecond, "customer %d never became %s", index, status)
	return rep
}

func statusesOf(rep api.BatchReport) []string {
	out := make([]string, len(rep.Customers))
	for i, c := range rep.Customers {
		out[i] = c.Status
	}
	return out
}

func attemptsOf(rep api.BatchReport) []int {
	out := make([]int, len(rep.Customers))
	for i, c := range rep.Customers {
		out[i] = c.Attempts
	}
	return out
}
