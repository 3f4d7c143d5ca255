package emulator_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portaplus2/batchcustomers/emulator"
)

func TestHealthz(t *testing.T) {
	h := newHarness(t)
	resp, err := h.client.Get(h.srv.URL + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestRoutes(t *testing.T) {
	h := newHarness(t)

	r := h.post("Customer.no_such_method", map[string]any{"params": map[string]any{}}, h.bearer(h.token))
	requireFault(t, r, emulator.FaultUnknownMethod)

	req, err := http.NewRequest(http.MethodPost, h.srv.URL+"/rest/Customer/get_customer_info/",
		strings.NewReader(`{"params":{"i_customer":1}}`))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+h.token)
	assert.Equal(t, http.StatusOK, h.do(req).status, "a trailing slash is accepted")

	for _, path := range []string{"/rest/Customer", "/rest/Customer/a/b", "/nope"} {
		req, err := http.NewRequest(http.MethodPost, h.srv.URL+path, nil)
		require.NoError(t, err)
		assert.Equal(t, http.StatusNotFound, h.do(req).status, path)
	}
	get, err := http.NewRequest(http.MethodGet, h.srv.URL+"/rest/Customer/get_customer_info", nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNotFound, h.do(get).status, "only POST is served")
}

func TestMalformedRequests(t *testing.T) {
	h := newHarness(t)
	for _, body := range []string{`{"params":`, `{"params":[]}`, `{"params":{}, "auth_info": 5}`} {
		req, err := http.NewRequest(http.MethodPost, h.srv.URL+"/rest/Customer/get_customer_info",
			strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		requireFault(t, h.do(req), emulator.FaultMalformedRequest)
	}

	// An empty body means empty params.
	req, err := http.NewRequest(http.MethodPost, h.srv.URL+"/rest/Session/ping", nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, h.do(req).status)
}

func TestCallsJournal(t *testing.T) {
	h := newHarness(t)
	cust := h.addCustomer("acme", nil)
	h.addAccount(cust, "sip-1", map[string]any{"password": "self-care-secret"})
	h.mustFault("Customer.add_customer", map[string]any{"customer_info": map[string]any{"name": "acme", "iso_4217": "USD"}},
		emulator.FaultCustomerDuplicateID)

	calls, err := h.admin.Calls(context.Background())
	require.NoError(t, err)
	require.Len(t, calls, 4)

	methods := make([]string, len(calls))
	for i, c := range calls {
		methods[i] = c.Method
		if i > 0 {
			assert.Greater(t, c.Seq, calls[i-1].Seq)
		}
	}
	assert.Equal(t, []string{"Session.login", "Customer.add_customer", "Account.add_account", "Customer.add_customer"}, methods)
	assert.Equal(t, "***", calls[0].Params["password"], "login password is masked")
	assert.Equal(t, testLogin, calls[0].Params["login"])
	assert.Equal(t, "ok", calls[1].Outcome)
	assert.Equal(t, http.StatusOK, calls[1].Status)

	info := calls[2].Params["account_info"].(map[string]any)
	assert.Equal(t, "***", info["h323_password"])
	assert.Equal(t, "***", info["password"])
	assert.Equal(t, "sip-1", info["id"])
	assert.Equal(t, emulator.FaultCustomerDuplicateID, calls[3].Outcome)
	assert.Equal(t, http.StatusInternalServerError, calls[3].Status)

	resp, err := h.client.Get(h.srv.URL + "/_emulator/calls?method=Customer.add_customer&since=2")
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestReset(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	cust := h.addCustomer("acme", nil)
	h.addAccount(cust, "sip-1", nil)
	h.addFault(emulator.FaultRule{Method: "Customer.add_customer", Action: emulator.ActionFault, FaultCode: "Server.X.y"})
	require.NoError(t, h.admin.SetLoginPolicy(ctx, emulator.LoginPolicy{Blocked: true}))

	require.NoError(t, h.admin.Reset(ctx))

	state := h.state()
	assert.Empty(t, state.Customers)
	assert.Empty(t, state.Accounts)
	assert.Empty(t, state.Extensions)
	faults, err := h.admin.Faults(ctx)
	require.NoError(t, err)
	assert.Empty(t, faults)
	calls, err := h.admin.Calls(ctx)
	require.NoError(t, err)
	assert.Empty(t, calls)

	// The session survives, logins work again and ids restart at the base.
	assert.Equal(t, int64(1000), h.addCustomer("acme", nil))
	h.login()
}

func TestStateJSONShape(t *testing.T) {
	h := newHarness(t)
	cust := h.addCustomer("acme", nil)
	acc := h.addAccount(cust, "sip-1", nil)
	h.mustOK("Customer.add_customer_extension", map[string]any{"i_customer": cust, "i_account": acc, "id": "7", "name": "Bob"})

	resp, err := h.client.Get(h.srv.URL + "/_emulator/state")
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, "application/json; charset=UTF-8", resp.Header.Get("Content-Type"))

	state := h.state()
	require.Len(t, state.Extensions, 1)
	assert.Equal(t, emulator.Extension{ICExt: 1000, ICustomer: cust, ID: "7", IAccount: acc, Name: "Bob"}, state.Extensions[0])
}

func TestStatePersistsAcrossRestart(t *testing.T) {
	h := newHarness(t)
	cust := h.addCustomer("acme", map[string]any{"note": "mark"})
	acc := h.addAccount(cust, "sip-1", map[string]any{"service_features": []any{cliFeature("1", "A")}})
	h.mustOK("Account.add_alias", aliasParams(acc, "12025550100"))
	h.mustOK("Customer.add_customer_extension", map[string]any{"i_customer": cust, "i_account": acc, "id": "7"})
	h.mustOK("Account.terminate_account", map[string]any{"i_account": h.addAccount(cust, "sip-2", nil)})
	before := h.state()

	h.restart()

	assert.Equal(t, before, h.state())
	info := object(t, h.mustOK("Customer.get_customer_info", map[string]any{"name": "acme"}), "customer_info")
	assert.Equal(t, "mark", info["note"])

	// Sequences go on after a restart instead of reusing ids.
	next := h.addCustomer("second", nil)
	assert.Equal(t, cust+1, next)
	h.mustFault("Account.add_account", map[string]any{"account_info": map[string]any{
		"id": "sip-1", "i_customer": cust, "i_product": 7, "billing_model": 1,
	}}, emulator.FaultAccountDuplicateID)
}

func TestMemoryDatabase(t *testing.T) {
	h := newHarness(t, func(c *emulator.Config) { c.DBPath = emulator.MemoryDB })
	cust := h.addCustomer("acme", nil)
	h.addAccount(cust, "sip-1", nil)
	assert.Len(t, h.state().Accounts, 1)
}

func TestConfigValidation(t *testing.T) {
	tests := []struct {
		name string
		give emulator.Config
	}{
		{"no db path", emulator.Config{}},
		{"bad users", emulator.Config{DBPath: emulator.MemoryDB, Users: "admin"}},
		{"duplicate user", emulator.Config{DBPath: emulator.MemoryDB, Users: "a:b,a:c"}},
		{"negative id base", emulator.Config{DBPath: emulator.MemoryDB, IDBase: -5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := emulator.New(tt.give, nil)
			require.Error(t, err)
		})
	}
}

func TestConcurrentAddAccount(t *testing.T) {
	h := newHarness(t)
	cust := h.addCustomer("acme", nil)

	const n = 50
	var wg sync.WaitGroup
	results := make([]response, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			results[i], errs[i] = h.send("Account.add_account", map[string]any{"params": map[string]any{
				"account_info": map[string]any{
					"id": fmt.Sprintf("1202555%04d", i), "i_customer": cust, "i_product": 7, "billing_model": 1,
				},
			}}, h.bearer(h.token))
		})
	}
	wg.Wait()

	seen := make(map[float64]bool)
	for i, r := range results {
		require.NoError(t, errs[i], "call %d", i)
		require.Equal(t, http.StatusOK, r.status, "call %d: %s", i, r.raw)
		id := r.body["i_account"].(float64)
		assert.False(t, seen[id], "i_account %v given twice", id)
		seen[id] = true
	}
	assert.Len(t, h.state().Accounts, n)
}

func TestConcurrentDuplicateCustomer(t *testing.T) {
	h := newHarness(t)

	const n = 20
	var wg sync.WaitGroup
	results := make([]response, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			results[i], errs[i] = h.send("Customer.add_customer", map[string]any{"params": map[string]any{
				"customer_info": map[string]any{"name": "same", "iso_4217": "USD"},
			}}, h.bearer(h.token))
		})
	}
	wg.Wait()

	ok := 0
	for i, r := range results {
		require.NoError(t, errs[i], "call %d", i)
		if r.status == http.StatusOK {
			ok++
		} else {
			assert.Equal(t, emulator.FaultCustomerDuplicateID, r.body["faultcode"])
		}
	}
	assert.Equal(t, 1, ok, "exactly one create wins")
}
