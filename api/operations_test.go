package api_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portaplus2/batchcustomers/api"
	"github.com/portaplus2/batchcustomers/store"
	"github.com/portaplus2/batchcustomers/wire"
	"github.com/portaplus2/batchcustomers/workflows"
)

// acceptedWithFailure stores the sample batch with customer 1 failed at
// the alias step and returns the batch id.
func acceptedWithFailure(t *testing.T, f *fixture) string {
	t.Helper()
	a := f.do(t, http.MethodPost, "/json/oneway/BatchCustomerCreation", "application/json", sample(t, "batch-3-customers.json"))
	require.Equal(t, http.StatusNoContent, a.status, a.body)
	id := strings.TrimPrefix(a.header.Get("Location"), "/batches/")
	ctx := context.Background()
	require.NoError(t, f.store.FinishCustomer(ctx, id, 0, "wf-0", store.StatusCreated,
		json.RawMessage(`{"Index":0,"Status":"created","ICustomer":1000,"Accounts":[{"ID":"12025550101","IAccount":2000}]}`)))
	require.NoError(t, f.store.StartCustomer(ctx, id, 1, "wf-1"))
	require.NoError(t, f.store.FinishCustomer(ctx, id, 1, "wf-1", store.StatusFailed,
		json.RawMessage(`{"Index":1,"Status":"failed","FailedStep":"alias","Error":{"Type":"Rejected","Code":"Server.Account.alias_not_allowed","Message":"no -- never"},"RolledBack":["alias","accounts","customer"]}`)))
	return id
}

func TestRetryChecksIndexesFirst(t *testing.T) {
	f := newFixture(t, api.Options{})
	id := acceptedWithFailure(t, f)

	a := f.do(t, http.MethodPost, "/batches/"+id+"/retry", "application/json", []byte(`{"Indexes":[0,1,5]}`))
	assert.Equal(t, http.StatusBadRequest, a.status)
	assert.Contains(t, a.body, "customer 0 is created, not failed")
	assert.Contains(t, a.body, "index 5 is not in this batch of 3 customers")
	assert.Empty(t, f.starter.retries, "nothing reaches the workflow")

	a = f.do(t, http.MethodPost, "/batches/"+id+"/retry", "application/json", []byte(`{}`))
	assert.Equal(t, http.StatusBadRequest, a.status)
	assert.Contains(t, a.body, "name the customer indexes to retry")

	a = f.do(t, http.MethodPost, "/batches/"+id+"/retry", "application/json", []byte(`not json`))
	assert.Equal(t, http.StatusBadRequest, a.status)

	missing := f.do(t, http.MethodPost, "/batches/nope/retry", "application/json", []byte(`{"AllFailed":true}`))
	assert.Equal(t, http.StatusNotFound, missing.status)
}

func TestRetrySendsUpdateWithRestartState(t *testing.T) {
	f := newFixture(t, api.Options{})
	id := acceptedWithFailure(t, f)

	a := f.do(t, http.MethodPost, "/batches/"+id+"/retry", "application/json", []byte(`{"Indexes":[1]}`))
	require.Equal(t, http.StatusOK, a.status, a.body)
	var reply api.RetryReply
	require.NoError(t, json.Unmarshal([]byte(a.body), &reply))
	require.Len(t, reply.Retries, 1)
	assert.Equal(t, workflows.CustomerWorkflowID(id, 1, 2), reply.Retries[0].WorkflowID)

	require.Len(t, f.starter.restarts, 1)
	restart := f.starter.restarts[0]
	assert.Equal(t, 3, restart.Total)
	assert.Equal(t, 3, restart.Next, "an ended batch restarts with nothing new to start")
	assert.Equal(t, "cfp", restart.Outcomes)
	assert.Equal(t, []int{1}, f.starter.retries[0].Indexes)
}

func TestRetryWithCorrectedRow(t *testing.T) {
	f := newFixture(t, api.Options{})
	id := acceptedWithFailure(t, f)
	dto, err := wire.DecodeJSON(strings.NewReader(string(sample(t, "batch-3-customers.json"))))
	require.NoError(t, err)
	row := dto.CustData[1]
	row.AliasNumber = "447700900299"
	fixed, err := json.Marshal(row)
	require.NoError(t, err)

	body, err := json.Marshal(api.RetryBody{Indexes: []int{1}, Corrections: []api.Correction{{Index: 1, Row: fixed}}})
	require.NoError(t, err)
	a := f.do(t, http.MethodPost, "/batches/"+id+"/retry", "application/json", body)
	require.Equal(t, http.StatusOK, a.status, a.body)
	require.Len(t, f.starter.retries, 1)
	assert.Equal(t, map[int]int{1: 1}, f.starter.retries[0].Versions)
	stored, err := f.store.Row(context.Background(), id, 1, 1)
	require.NoError(t, err)
	assert.Contains(t, string(stored.Data), "447700900299")

	row.Customer.Customer.CustomerStatus.ISO4217 = "pounds"
	bad, err := json.Marshal(row)
	require.NoError(t, err)
	body, err = json.Marshal(api.RetryBody{Indexes: []int{1}, Corrections: []api.Correction{{Index: 1, Row: bad}}})
	require.NoError(t, err)
	a = f.do(t, http.MethodPost, "/batches/"+id+"/retry", "application/json", body)
	assert.Equal(t, http.StatusBadRequest, a.status)
	assert.Contains(t, a.body, "Corrections[0].Row.Customer.Customer.CustomerStatus.ISO4217")
	_, err = f.store.Row(context.Background(), id, 1, 2)
	assert.ErrorIs(t, err, store.ErrNotFound, "a rejected correction is not stored")
}

func TestCancelPauseResume(t *testing.T) {
	f := newFixture(t, api.Options{})
	id := acceptedWithFailure(t, f)

	a := f.do(t, http.MethodPost, "/batches/"+id+"/pause", "application/json", []byte(`{"Reason":"wrong product"}`))
	assert.Equal(t, http.StatusAccepted, a.status, a.body)
	a = f.do(t, http.MethodPost, "/batches/"+id+"/resume", "", nil)
	assert.Equal(t, http.StatusAccepted, a.status, a.body)
	a = f.do(t, http.MethodPost, "/batches/"+id+"/cancel", "", nil)
	assert.Equal(t, http.StatusAccepted, a.status, a.body)
	assert.Contains(t, a.body, "running customers roll back")
	assert.Equal(t, []string{workflows.SignalPause, workflows.SignalResume}, f.starter.signals)
	assert.Equal(t, []string{id}, f.starter.cancelled)

	f.starter.err = api.ErrNotRunning
	a = f.do(t, http.MethodPost, "/batches/"+id+"/cancel", "", nil)
	assert.Equal(t, http.StatusConflict, a.status)
	assert.Contains(t, a.body, "has ended")
}

func TestReportCSV(t *testing.T) {
	f := newFixture(t, api.Options{})
	id := acceptedWithFailure(t, f)
	a := f.do(t, http.MethodGet, "/batches/"+id+"/report.csv", "", nil)
	require.Equal(t, http.StatusOK, a.status)
	assert.Equal(t, "text/csv; charset=utf-8", a.header.Get("Content-Type"))
	lines, err := csv.NewReader(strings.NewReader(a.body)).ReadAll()
	require.NoError(t, err)
	require.Len(t, lines, 4)
	assert.Equal(t, "index", lines[0][0])
	assert.Equal(t, []string{"0", "exampledental", "Example Dental Studio", "created"}, lines[1][:4])
	assert.Equal(t, "1000", lines[1][10])
	assert.Equal(t, "12025550101=2000", lines[1][11])
	assert.Equal(t, "failed", lines[2][3])
	assert.Equal(t, "alias", lines[2][6])
	assert.Equal(t, "Server.Account.alias_not_allowed", lines[2][8])
	assert.Equal(t, "alias accounts customer", lines[2][14])
	assert.Equal(t, "pending", lines[3][3])
}

func TestFailedBodies(t *testing.T) {
	f := newFixture(t, api.Options{})
	id := acceptedWithFailure(t, f)

	j := f.do(t, http.MethodGet, "/batches/"+id+"/failed.json", "", nil)
	require.Equal(t, http.StatusOK, j.status, j.body)
	dto, err := wire.DecodeJSON(strings.NewReader(j.body))
	require.NoError(t, err, "failed.json is a valid request body")
	require.Len(t, dto.CustData, 1)
	assert.Equal(t, "Sample Logistics Ltd", dto.CustData[0].Customer.Customer.PersonalInformation.Name)
	assert.Equal(t, int64(4512), dto.ResellerID)
	var withErrors struct{ Errors []api.FailedRow }
	require.NoError(t, json.Unmarshal([]byte(j.body), &withErrors))
	require.Len(t, withErrors.Errors, 1)
	assert.Equal(t, api.FailedRow{Row: 0, Index: 1, Status: "failed", FailedStep: "alias",
		ErrorCode: "Server.Account.alias_not_allowed", Error: "no -- never"}, withErrors.Errors[0])

	x := f.do(t, http.MethodGet, "/batches/"+id+"/failed.xml", "", nil)
	require.Equal(t, http.StatusOK, x.status, x.body)
	xdto, err := wire.DecodeXML(strings.NewReader(x.body))
	require.NoError(t, err, "failed.xml is a valid request body")
	assert.Equal(t, dto.CustData, xdto.CustData)
	assert.Contains(t, x.body, "customer 1 (samplelogistics) failed at step alias: Server.Account.alias_not_allowed")

	other := f.do(t, http.MethodGet, "/batches/"+id+"/failed.csv", "", nil)
	assert.Equal(t, http.StatusNotFound, other.status)
}

func TestErrorThresholdParameters(t *testing.T) {
	f := newFixture(t, api.Options{ErrorThreshold: workflows.ErrorThreshold{MinFinished: 10}})
	a := f.do(t, http.MethodPost, "/json/oneway/BatchCustomerCreation?error_threshold=25&error_threshold_after=4",
		"application/json", sample(t, "batch-3-customers.json"))
	require.Equal(t, http.StatusNoContent, a.status, a.body)
	require.Len(t, f.starter.starts, 1)
	assert.Equal(t, workflows.ErrorThreshold{MinFinished: 4, MaxFailedPercent: 25}, f.starter.starts[0].ErrorThreshold)

	bad := f.do(t, http.MethodPost, "/json/oneway/BatchCustomerCreation?error_threshold=250",
		"application/json", sample(t, "batch-3-customers.json"))
	assert.Equal(t, http.StatusBadRequest, bad.status)
	assert.Contains(t, bad.body, "error_threshold must be a percentage from 0 to 100")
}

func TestOperatorRoutesNeedLicence(t *testing.T) {
	f := newFixture(t, api.Options{Licenses: []string{"PP2-LIC-7F3A-91C4-EXAMPLE"}})
	a := f.do(t, http.MethodPost, "/json/oneway/BatchCustomerCreation", "application/json", sample(t, "batch-3-customers.json"))
	require.Equal(t, http.StatusNoContent, a.status, a.body)
	loc := a.header.Get("Location")

	for _, path := range []string{loc, loc + "/report.csv", loc + "/failed.json"} {
		anon := f.do(t, http.MethodGet, path, "", nil)
		assert.Equal(t, http.StatusUnauthorized, anon.status, path)
		assert.NotContains(t, anon.body, "Vq8#", path)
		wrong := f.do(t, http.MethodGet, path, "", nil, "X-License", "guess")
		assert.Equal(t, http.StatusUnauthorized, wrong.status, path)
		ok := f.do(t, http.MethodGet, path, "", nil, "Authorization", "Bearer PP2-LIC-7F3A-91C4-EXAMPLE")
		assert.Equal(t, http.StatusOK, ok.status, path)
	}
	cancel := f.do(t, http.MethodPost, loc+"/cancel", "", nil)
	assert.Equal(t, http.StatusUnauthorized, cancel.status)
	assert.Empty(t, f.starter.cancelled)
}
