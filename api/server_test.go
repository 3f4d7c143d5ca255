package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/portaplus2/batchcustomers/api"
	"github.com/portaplus2/batchcustomers/store"
	"github.com/portaplus2/batchcustomers/workflows"
)

// fakeStarter records started batches and steering requests; err makes
// every call fail.
type fakeStarter struct {
	mu        sync.Mutex
	started   map[string]int
	starts    []api.BatchStart
	retries   []workflows.RetryRequest
	restarts  []workflows.BatchInput
	signals   []string
	cancelled []string
	err       error
}

func (f *fakeStarter) StartBatch(_ context.Context, b api.BatchStart) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	if f.started == nil {
		f.started = map[string]int{}
	}
	f.started[b.BatchID] = b.Total
	f.starts = append(f.starts, b)
	return nil
}

func (f *fakeStarter) Retry(_ context.Context, id string, req workflows.RetryRequest, restart workflows.BatchInput) (workflows.RetryResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return workflows.RetryResult{}, f.err
	}
	f.retries = append(f.retries, req)
	f.restarts = append(f.restarts, restart)
	var res workflows.RetryResult
	for _, i := range req.Indexes {
		res.Retries = append(res.Retries, workflows.CustomerOutcome{Index: i, Status: "queued", Attempts: 2,
			WorkflowID: workflows.CustomerWorkflowID(id, i, 2)})
	}
	return res, nil
}

func (f *fakeStarter) Cancel(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cancelled = append(f.cancelled, id)
	return f.err
}

func (f *fakeStarter) Signal(_ context.Context, id, name string, arg any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.signals = append(f.signals, name)
	return f.err
}

type fixture struct {
	srv     *httptest.Server
	starter *fakeStarter
	store   *store.SQLite
}

func newFixture(t *testing.T, opts api.Options) *fixture {
	t.Helper()
	st, err := store.OpenSQLite(filepath.Join(t.TempDir(), "batches.db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	if opts.MaxBodyBytes == 0 {
		opts.MaxBodyBytes = 1 << 20
	}
	if opts.MaxCustomers == 0 {
		opts.MaxCustomers = 100
	}
	opts.TemporalUIURL, opts.Namespace = "http://ui:8233", "default"
	f := &fixture{starter: &fakeStarter{}, store: st}
	f.srv = httptest.NewServer(api.New(opts, st, f.starter, zap.NewNop()).Handler())
	t.Cleanup(f.srv.Close)
	return f
}

type answer struct {
	status int
	header http.Header
	body   string
}

func (f *fixture) do(t *testing.T, method, path, contentType string, body []byte, header ...string) answer {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, bytes.NewReader(body))
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return answer{resp.StatusCode, resp.Header, string(data)}
}

func sample(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "samples", name))
	require.NoError(t, err)
	return data
}

func TestOnewayAcceptsSampleXML(t *testing.T) {
	f := newFixture(t, api.Options{})
	a := f.do(t, http.MethodPost, "/xml/oneway/BatchCustomerCreation", "text/plain", sample(t, "batch-3-customers.xml"))

	assert.Equal(t, http.StatusNoContent, a.status, a.body)
	assert.Empty(t, a.body)
	loc := a.header.Get("Location")
	require.True(t, strings.HasPrefix(loc, "/batches/"), loc)
	id := strings.TrimPrefix(loc, "/batches/")
	assert.Equal(t, 3, f.starter.started[id])
	assert.Equal(t, "Accept", a.header.Get("Vary"))

	b, err := f.store.Batch(context.Background(), id)
	require.NoError(t, err)
	assert.Equal(t, 3, b.Total)
	assert.Equal(t, int64(4512), b.ResellerID)
}

func TestCustomRouteFollowsContentType(t *testing.T) {
	f := newFixture(t, api.Options{})
	xmlAnswer := f.do(t, http.MethodPost, "/BatchCreateCustomers", "application/xml", sample(t, "batch-3-customers.xml"))
	jsonAnswer := f.do(t, http.MethodPost, "/BatchCreateCustomers", "application/json; charset=utf-8", sample(t, "batch-3-customers.json"))

	assert.Equal(t, http.StatusNoContent, xmlAnswer.status, xmlAnswer.body)
	assert.Equal(t, http.StatusNoContent, jsonAnswer.status, jsonAnswer.body)
	// The same batch in XML and in JSON is one batch.
	assert.Equal(t, xmlAnswer.header.Get("Location"), jsonAnswer.header.Get("Location"))
	assert.Len(t, f.starter.started, 1)
}

func TestReplyRoutesAnswerWithBatchIDs(t *testing.T) {
	f := newFixture(t, api.Options{})
	a := f.do(t, http.MethodPost, "/json/reply/BatchCustomerCreation", "application/json", sample(t, "batch-3-customers.json"))
	require.Equal(t, http.StatusOK, a.status, a.body)
	var reply api.AcceptedReply
	require.NoError(t, json.Unmarshal([]byte(a.body), &reply))
	assert.Equal(t, "batch-"+reply.BatchID, reply.WorkflowID)
	assert.Equal(t, "http://ui:8233/namespaces/default/workflows/"+reply.WorkflowID, reply.TemporalUIURL)

	x := f.do(t, http.MethodPost, "/xml/reply/BatchCustomerCreation", "application/xml", sample(t, "batch-3-customers.xml"))
	require.Equal(t, http.StatusOK, x.status, x.body)
	assert.Equal(t, "application/xml", x.header.Get("Content-Type"))
	assert.Contains(t, x.body, "<BatchId>"+reply.BatchID+"</BatchId>")
	assert.Contains(t, x.body, `xmlns="http://schemas.datacontract.org/2004/07/PortaPlus2.API.Web.Dto"`)
}

func TestSOAP12Accepted(t *testing.T) {
	f := newFixture(t, api.Options{})
	a := f.do(t, http.MethodPost, "/soap12", "application/soap+xml; charset=utf-8", sample(t, "batch-3-customers.soap12.xml"))
	assert.Equal(t, http.StatusOK, a.status, a.body)
	assert.Contains(t, a.body, "http://www.w3.org/2003/05/soap-envelope")
	assert.Len(t, f.starter.started, 1)
}

func TestErrorAnswers(t *testing.T) {
	valid := sample(t, "batch-3-customers.json")
	tests := []struct {
		name        string
		method      string
		path        string
		contentType string
		body        []byte
		header      []string
		wantStatus  int
		wantCode    string
		wantText    string
	}{
		{"empty batch", http.MethodPost, "/json/oneway/BatchCustomerCreation", "application/json", []byte(`{}`), nil,
			http.StatusBadRequest, "NotEmpty", `"FieldName":"CustData"`},
		{"empty body", http.MethodPost, "/BatchCreateCustomers", "", nil, nil,
			http.StatusBadRequest, "NotEmpty", "CustData"},
		{"malformed json", http.MethodPost, "/json/oneway/BatchCustomerCreation", "application/json", []byte(`{"CustData":[`), nil,
			http.StatusBadRequest, "SerializationException", "Could not deserialize 'json' request"},
		{"unknown content type", http.MethodPost, "/BatchCreateCustomers", "text/csv", []byte("a,b"), nil,
			http.StatusUnsupportedMediaType, "NotSupportedException", "text/csv"},
		{"jsv format", http.MethodPost, "/jsv/oneway/BatchCustomerCreation", "text/jsv", []byte("{}"), nil,
			http.StatusUnsupportedMediaType, "NotSupportedException", "jsv"},
		{"unknown operation", http.MethodPost, "/json/reply/CreateCustomer", "application/json", valid, nil,
			http.StatusMethodNotAllowed, "NotImplementedException", "The operation 'CreateCustomer' does not exist for this service"},
		{"bad idempotency key", http.MethodPost, "/json/oneway/BatchCustomerCreation", "application/json", valid,
			[]string{"Idempotency-Key", "has spaces"}, http.StatusBadRequest, "Invalid", "Idempotency-Key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, api.Options{})
			a := f.do(t, tt.method, tt.path, tt.contentType, tt.body, tt.header...)
			assert.Equal(t, tt.wantStatus, a.status, a.body)
			hasCode := strings.Contains(a.body, `"ErrorCode":"`+tt.wantCode+`"`) ||
				strings.Contains(a.body, "<ErrorCode>"+tt.wantCode+"</ErrorCode>")
			assert.True(t, hasCode, "want error code %s in %s", tt.wantCode, a.body)
			assert.Contains(t, a.body, tt.wantText)
			assert.Empty(t, f.starter.started, "nothing may start")
		})
	}
}

func TestValidationErrorInXML(t *testing.T) {
	f := newFixture(t, api.Options{})
	body := strings.Replace(string(sample(t, "batch-3-customers.xml")), "<d5p1:ISO4217>USD</d5p1:ISO4217>", "<d5p1:ISO4217>US</d5p1:ISO4217>", 1)
	a := f.do(t, http.MethodPost, "/xml/oneway/BatchCustomerCreation", "application/xml", []byte(body))
	assert.Equal(t, http.StatusBadRequest, a.status)
	assert.Equal(t, "application/xml", a.header.Get("Content-Type"))
	assert.Contains(t, a.body, `<ErrorResponse xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.servicestack.net/types">`)
	assert.Contains(t, a.body, "<FieldName>CustData[0].Customer.Customer.CustomerStatus.ISO4217</FieldName>")
	assert.Empty(t, f.starter.started)
}

// A batch over the customer limit is rejected while it is read, with the
// validation response a decoded batch over the limit would get.
func TestTooManyCustomers(t *testing.T) {
	f := newFixture(t, api.Options{MaxCustomers: 2})
	for _, tt := range []struct{ route, contentType, file string }{
		{"/xml/oneway/BatchCustomerCreation", "application/xml", "batch-3-customers.xml"},
		{"/json/oneway/BatchCustomerCreation", "application/json", "batch-3-customers.json"},
		{"/soap12", "application/soap+xml", "batch-3-customers.soap12.xml"},
	} {
		a := f.do(t, http.MethodPost, tt.route, tt.contentType, sample(t, tt.file))
		assert.Equal(t, http.StatusBadRequest, a.status, tt.route)
		assert.Contains(t, a.body, "TooLong", tt.route)
		assert.Contains(t, a.body, "more than 2 customers", tt.route)
	}
	assert.Empty(t, f.starter.started)
}

func TestLicenseChecked(t *testing.T) {
	f := newFixture(t, api.Options{Licenses: []string{"PP2-LIC-OTHER"}})
	a := f.do(t, http.MethodPost, "/json/oneway/BatchCustomerCreation", "application/json", sample(t, "batch-3-customers.json"))
	assert.Equal(t, http.StatusUnauthorized, a.status)
	assert.Contains(t, a.body, `"ErrorCode":"Unauthorized"`)
	assert.NotContains(t, a.body, "PP2-LIC", "the answer must not echo licence keys")
	assert.Empty(t, f.starter.started)

	ok := newFixture(t, api.Options{Licenses: []string{"x", "PP2-LIC-7F3A-91C4-EXAMPLE"}})
	a = ok.do(t, http.MethodPost, "/json/oneway/BatchCustomerCreation", "application/json", sample(t, "batch-3-customers.json"))
	assert.Equal(t, http.StatusNoContent, a.status, a.body)
}

func TestBodyLimit(t *testing.T) {
	f := newFixture(t, api.Options{MaxBodyBytes: 1000})
	a := f.do(t, http.MethodPost, "/json/oneway/BatchCustomerCreation", "application/json", sample(t, "batch-3-customers.json"))
	assert.Equal(t, http.StatusRequestEntityTooLarge, a.status)
	assert.Contains(t, a.body, "larger than 1000 bytes")
}

func TestIdempotencyKey(t *testing.T) {
	f := newFixture(t, api.Options{})
	key := []string{"Idempotency-Key", "order-2026-001"}
	a := f.do(t, http.MethodPost, "/json/oneway/BatchCustomerCreation", "application/json", sample(t, "batch-3-customers.json"), key...)
	require.Equal(t, http.StatusNoContent, a.status, a.body)
	assert.Equal(t, "/batches/order-2026-001", a.header.Get("Location"))

	again := f.do(t, http.MethodPost, "/xml/oneway/BatchCustomerCreation", "application/xml", sample(t, "batch-3-customers.xml"), key...)
	assert.Equal(t, http.StatusNoContent, again.status, "the same request under the same key")

	other := strings.Replace(string(sample(t, "batch-3-customers.json")), "Example Dental Studio", "Other Dental Studio", 1)
	conflict := f.do(t, http.MethodPost, "/json/oneway/BatchCustomerCreation", "application/json", []byte(other), key...)
	assert.Equal(t, http.StatusConflict, conflict.status)
	assert.Contains(t, conflict.body, "already used for a different request")
}

func TestTemporalDownGives503AndKeepsBatch(t *testing.T) {
	f := newFixture(t, api.Options{})
	f.starter.err = errors.New("connection refused")
	a := f.do(t, http.MethodPost, "/json/oneway/BatchCustomerCreation", "application/json", sample(t, "batch-3-customers.json"))
	assert.Equal(t, http.StatusServiceUnavailable, a.status)
	assert.Equal(t, "30", a.header.Get("Retry-After"))
	assert.NotContains(t, a.body, "connection refused", "internal errors stay in the logs")

	f.starter.err = nil
	a = f.do(t, http.MethodPost, "/json/oneway/BatchCustomerCreation", "application/json", sample(t, "batch-3-customers.json"))
	assert.Equal(t, http.StatusNoContent, a.status, "the resubmission starts the stored batch")
	assert.Len(t, f.starter.started, 1)
}

func TestGetBatchReport(t *testing.T) {
	f := newFixture(t, api.Options{})
	a := f.do(t, http.MethodPost, "/json/oneway/BatchCustomerCreation", "application/json", sample(t, "batch-3-customers.json"))
	require.Equal(t, http.StatusNoContent, a.status)
	loc := a.header.Get("Location")
	id := strings.TrimPrefix(loc, "/batches/")
	require.NoError(t, f.store.FinishCustomer(context.Background(), id, 1, "wf-1", store.StatusFailed,
		json.RawMessage(`{"Index":1,"Status":"failed","FailedStep":"alias","Error":{"Type":"Rejected","Code":"Server.Account.x","Message":"no"}}`)))

	g := f.do(t, http.MethodGet, loc, "", nil)
	require.Equal(t, http.StatusOK, g.status, g.body)
	var rep api.BatchReport
	require.NoError(t, json.Unmarshal([]byte(g.body), &rep))
	assert.Equal(t, store.StateAccepted, rep.State)
	assert.Equal(t, 3, rep.Total)
	require.Len(t, rep.Customers, 3)
	assert.Equal(t, "samplelogistics", rep.Customers[1].Login)
	assert.Equal(t, store.StatusFailed, rep.Customers[1].Status)
	require.NotNil(t, rep.Customers[1].Result)
	assert.Equal(t, "alias", rep.Customers[1].Result.FailedStep)
	assert.Equal(t, []api.StatusCount{{Status: "pending", Count: 2}, {Status: "failed", Count: 1}}, rep.Counts)

	paged := f.do(t, http.MethodGet, loc+"?offset=2&limit=1", "", nil)
	require.NoError(t, json.Unmarshal([]byte(paged.body), &rep))
	require.Len(t, rep.Customers, 1)
	assert.Equal(t, 2, rep.Customers[0].Index)

	x := f.do(t, http.MethodGet, loc+".xml", "", nil)
	assert.Equal(t, http.StatusOK, x.status)
	assert.Contains(t, x.body, "<State>accepted</State>")

	missing := f.do(t, http.MethodGet, "/batches/nope", "", nil)
	assert.Equal(t, http.StatusNotFound, missing.status)
	bad := f.do(t, http.MethodGet, loc+"?limit=0", "", nil)
	assert.Equal(t, http.StatusBadRequest, bad.status)
}

func TestUnknownPathIsNotFound(t *testing.T) {
	f := newFixture(t, api.Options{})
	a := f.do(t, http.MethodPost, "/nowhere", "application/json", []byte("{}"))
	assert.Equal(t, http.StatusNotFound, a.status)
	assert.True(t, strings.HasPrefix(a.body, "Handler for Request not found"))
	h := f.do(t, http.MethodGet, "/healthz", "", nil)
	assert.Equal(t, http.StatusOK, h.status)
}

func TestEndedBatchIsNotStartedAgain(t *testing.T) {
	f := newFixture(t, api.Options{})
	a := f.do(t, http.MethodPost, "/json/oneway/BatchCustomerCreation", "application/json", sample(t, "batch-3-customers.json"))
	require.Equal(t, http.StatusNoContent, a.status, a.body)
	id := strings.TrimPrefix(a.header.Get("Location"), "/batches/")
	require.NoError(t, f.store.SetBatchState(context.Background(), id, store.StateCompleted, ""))

	again := f.do(t, http.MethodPost, "/json/oneway/BatchCustomerCreation", "application/json", sample(t, "batch-3-customers.json"))
	assert.Equal(t, http.StatusNoContent, again.status)
	assert.Equal(t, a.header.Get("Location"), again.header.Get("Location"))
	assert.Len(t, f.starter.starts, 1, "an ended batch is answered from the store")
}
