package emulator_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portaplus2/batchcustomers/emulator"
)

func (h *harness) addFault(rule emulator.FaultRule) string {
	h.t.Helper()
	id, err := h.admin.AddFault(context.Background(), rule)
	require.NoError(h.t, err)
	return id
}

// aliasParams builds add_alias params for a master account.
func aliasParams(master int64, id string) map[string]any {
	return map[string]any{"alias_info": map[string]any{"i_master_account": master, "id": id}}
}

// lastCall waits until the journal entry of method is no longer pending
// and returns it; handlers finish the entry after the client has left.
func (h *harness) lastCall(method string) emulator.Call {
	h.t.Helper()
	var found emulator.Call
	require.Eventually(h.t, func() bool {
		calls, err := h.admin.Calls(context.Background())
		require.NoError(h.t, err)
		for i := len(calls) - 1; i >= 0; i-- {
			if calls[i].Method == method {
				found = calls[i]
				return found.Outcome != "pending"
			}
		}
		return false
	}, 5*time.Second, 10*time.Millisecond)
	return found
}

func TestFaultActionWithParamMatch(t *testing.T) {
	h := newHarness(t)
	cust := h.addCustomer("acme", nil)
	master := h.addAccount(cust, "sip-1", nil)
	h.addFault(emulator.FaultRule{
		Method: "Account.add_alias", Match: map[string]string{"alias_info.id": "12025550100"},
		Action: emulator.ActionFault, FaultCode: "Server.Account.injected", FaultString: "boom",
	})

	faultstring := h.mustFault("Account.add_alias", aliasParams(master, "12025550100"), "Server.Account.injected")
	assert.Equal(t, "boom", faultstring)
	h.mustOK("Account.add_alias", aliasParams(master, "12025550101"))

	assert.Nil(t, h.accountInfo(map[string]any{"id": "12025550100"}), "a fault changes nothing")
	call := h.lastCall("Account.add_alias")
	assert.Equal(t, "ok", call.Outcome)
}

func TestFaultActionHTTPStatus(t *testing.T) {
	for _, status := range []int{502, 503, 504} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			h := newHarness(t)
			h.addFault(emulator.FaultRule{Method: "Customer.*", Action: emulator.ActionHTTPStatus, Status: status})

			r := h.call("Customer.add_customer", map[string]any{"customer_info": map[string]any{"name": "a", "iso_4217": "USD"}})
			assert.Equal(t, status, r.status)
			assert.Contains(t, r.contentType, "text/html")
			assert.Contains(t, string(r.raw), "<html>")
			assert.Empty(t, h.state().Customers)
			assert.Equal(t, "http_"+strconv.Itoa(status), h.lastCall("Customer.add_customer").Outcome)
		})
	}
}

func TestFaultActionLatency(t *testing.T) {
	h := newHarness(t)
	h.addFault(emulator.FaultRule{
		Method: "Customer.get_customer_info", Action: emulator.ActionLatency,
		Delay: emulator.Duration(150 * time.Millisecond),
	})

	start := time.Now()
	h.mustOK("Customer.get_customer_info", map[string]any{"i_customer": 1})
	assert.GreaterOrEqual(t, time.Since(start), 150*time.Millisecond)

	start = time.Now()
	h.mustOK("Customer.get_customer_list", map[string]any{})
	assert.Less(t, time.Since(start), 150*time.Millisecond, "other methods are not delayed")
}

func TestGlobalLatency(t *testing.T) {
	h := newHarness(t, func(c *emulator.Config) { c.Latency = 100 * time.Millisecond })
	start := time.Now()
	h.mustOK("Customer.get_customer_info", map[string]any{"i_customer": 1})
	assert.GreaterOrEqual(t, time.Since(start), 100*time.Millisecond)
}

func TestFaultActionHangUntilClientGivesUp(t *testing.T) {
	h := newHarness(t)
	h.addFault(emulator.FaultRule{Method: "Customer.add_customer", Action: emulator.ActionHang})

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.srv.URL+"/rest/Customer/add_customer",
		strings.NewReader(`{"params":{"customer_info":{"name":"a","iso_4217":"USD"}}}`))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+h.token)

	resp, err := h.client.Do(req)
	if resp != nil {
		resp.Body.Close()
	}
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, "hang", h.lastCall("Customer.add_customer").Outcome)
	assert.Empty(t, h.state().Customers)
}

func TestFaultActionHangAnswers504AfterMax(t *testing.T) {
	h := newHarness(t)
	h.addFault(emulator.FaultRule{
		Method: "Customer.add_customer", Action: emulator.ActionHang,
		Delay: emulator.Duration(100 * time.Millisecond),
	})

	r := h.call("Customer.add_customer", map[string]any{"customer_info": map[string]any{"name": "a", "iso_4217": "USD"}})
	assert.Equal(t, http.StatusGatewayTimeout, r.status)
	assert.Empty(t, h.state().Customers)
}

func TestCommitThenFailCommits(t *testing.T) {
	h := newHarness(t)
	h.addFault(emulator.FaultRule{Method: "Customer.add_customer", Action: emulator.ActionCommitThenFail, Count: 1})
	params := map[string]any{"customer_info": map[string]any{"name": "acme", "iso_4217": "USD", "note": "mark"}}

	r := h.call("Customer.add_customer", params)
	assert.Equal(t, http.StatusInternalServerError, r.status)
	assert.Contains(t, r.contentType, "text/html")

	state := h.state()
	require.Len(t, state.Customers, 1, "the change is committed")
	assert.Equal(t, "mark", state.Customers[0].Note)
	assert.Equal(t, "committed_then_500", h.lastCall("Customer.add_customer").Outcome)

	// The retry of the client sees its own record.
	h.mustFault("Customer.add_customer", params, emulator.FaultCustomerDuplicateID)
}

func TestCommitThenFailDropsConnection(t *testing.T) {
	h := newHarness(t)
	cust := h.addCustomer("acme", nil)
	master := h.addAccount(cust, "sip-1", nil)
	h.addFault(emulator.FaultRule{
		Method: "Account.add_alias", Action: emulator.ActionCommitThenFail, DropConnection: true,
	})

	req, err := http.NewRequest(http.MethodPost, h.srv.URL+"/rest/Account/add_alias",
		strings.NewReader(`{"params":{"alias_info":{"i_master_account":1000,"id":"12025550100"}}}`))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+h.token)
	resp, err := h.client.Do(req)
	if resp != nil {
		resp.Body.Close()
	}
	require.Error(t, err, "the connection is closed without an answer")

	info := h.accountInfo(map[string]any{"id": "12025550100"})
	require.NotNil(t, info, "the alias is committed")
	assert.Equal(t, float64(master), info["i_master_account"])
	assert.Equal(t, "committed_then_dropped", h.lastCall("Account.add_alias").Outcome)
}

func TestCommitThenFailPassesBusinessFaults(t *testing.T) {
	h := newHarness(t)
	h.addFault(emulator.FaultRule{Method: "Customer.add_customer", Action: emulator.ActionCommitThenFail})

	h.mustFault("Customer.add_customer", map[string]any{"customer_info": map[string]any{"name": "x"}},
		"Client.Customer.missing_required_field.customer_info.iso_4217")
}

func TestSucceedWithResult(t *testing.T) {
	h := newHarness(t)
	cust := h.addCustomer("acme", nil)
	acc := h.addAccount(cust, "sip-1", nil)
	h.addFault(emulator.FaultRule{
		Method: "Account.terminate_account", Action: emulator.ActionSucceed,
		Result: map[string]any{"success": 0},
	})

	body := h.mustOK("Account.terminate_account", map[string]any{"i_account": acc})
	assert.Equal(t, float64(0), body["success"])
	assert.Equal(t, "O", h.accountInfo(map[string]any{"i_account": acc})["bill_status"], "nothing changed")
}

func TestSucceedShieldsLaterRules(t *testing.T) {
	h := newHarness(t)
	cust := h.addCustomer("acme", nil)
	master := h.addAccount(cust, "sip-1", nil)
	h.addFault(emulator.FaultRule{
		Method: "Account.add_alias", Match: map[string]string{"alias_info.id": "good"},
		Action: emulator.ActionSucceed,
	})
	h.addFault(emulator.FaultRule{Method: "*", Action: emulator.ActionFault, FaultCode: "Server.Generic.down"})

	h.mustOK("Account.add_alias", aliasParams(master, "good"))
	h.mustFault("Account.add_alias", aliasParams(master, "bad"), "Server.Generic.down")
}

func TestTriggerCount(t *testing.T) {
	h := newHarness(t)
	h.addFault(emulator.FaultRule{
		Method: "Customer.get_customer_info", Action: emulator.ActionFault, FaultCode: "Server.Customer.flaky", Count: 2,
	})

	h.mustFault("Customer.get_customer_info", map[string]any{"i_customer": 1}, "Server.Customer.flaky")
	h.mustFault("Customer.get_customer_info", map[string]any{"i_customer": 1}, "Server.Customer.flaky")
	h.mustOK("Customer.get_customer_info", map[string]any{"i_customer": 1})

	faults, err := h.admin.Faults(context.Background())
	require.NoError(t, err)
	require.Len(t, faults, 1)
	assert.Equal(t, 3, faults[0].Matched)
	assert.Equal(t, 2, faults[0].Fired)
}

func TestTriggerAfter(t *testing.T) {
	h := newHarness(t)
	h.addFault(emulator.FaultRule{
		Method: "Customer.get_customer_info", Action: emulator.ActionFault, FaultCode: "Server.Customer.late", After: 2,
	})

	h.mustOK("Customer.get_customer_info", map[string]any{"i_customer": 1})
	h.mustOK("Customer.get_customer_info", map[string]any{"i_customer": 1})
	h.mustFault("Customer.get_customer_info", map[string]any{"i_customer": 1}, "Server.Customer.late")
	h.mustFault("Customer.get_customer_info", map[string]any{"i_customer": 1}, "Server.Customer.late")
}

// probabilityPattern runs n calls against a fresh emulator with a seeded
// probability rule and returns which of them faulted.
func probabilityPattern(t *testing.T, seed uint64, n int) []bool {
	h := newHarness(t)
	h.addFault(emulator.FaultRule{
		Method: "Session.ping", Action: emulator.ActionFault, FaultCode: "Server.Session.random",
		Probability: 0.5, Seed: seed,
	})
	pattern := make([]bool, n)
	for i := range pattern {
		r := h.call("Session.ping", map[string]any{})
		pattern[i] = r.status == http.StatusInternalServerError
	}
	return pattern
}

func TestTriggerProbabilityIsSeeded(t *testing.T) {
	first := probabilityPattern(t, 42, 100)
	second := probabilityPattern(t, 42, 100)
	assert.Equal(t, first, second, "the same seed gives the same faults")

	faulted := 0
	for _, f := range first {
		if f {
			faulted++
		}
	}
	assert.InDelta(t, 50, faulted, 20, "about half of the calls fault")
	assert.NotEqual(t, first, probabilityPattern(t, 7, 100), "another seed gives other faults")
}

func TestDeleteAndClearFaults(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	first := h.addFault(emulator.FaultRule{Method: "Customer.get_customer_info", Action: emulator.ActionFault, FaultCode: "Server.A.a"})
	h.addFault(emulator.FaultRule{Method: "Customer.get_customer_list", Action: emulator.ActionFault, FaultCode: "Server.B.b"})

	require.NoError(t, h.admin.DeleteFault(ctx, first))
	h.mustOK("Customer.get_customer_info", map[string]any{"i_customer": 1})
	h.mustFault("Customer.get_customer_list", map[string]any{}, "Server.B.b")
	require.Error(t, h.admin.DeleteFault(ctx, first), "a removed rule is not found")

	require.NoError(t, h.admin.ClearFaults(ctx))
	h.mustOK("Customer.get_customer_list", map[string]any{})
}

func TestInvalidFaultRules(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name string
		give emulator.FaultRule
	}{
		{"no method", emulator.FaultRule{Action: emulator.ActionFault, FaultCode: "x"}},
		{"unknown action", emulator.FaultRule{Method: "*", Action: "explode"}},
		{"fault without code", emulator.FaultRule{Method: "*", Action: emulator.ActionFault}},
		{"latency without delay", emulator.FaultRule{Method: "*", Action: emulator.ActionLatency}},
		{"bad status", emulator.FaultRule{Method: "*", Action: emulator.ActionHTTPStatus, Status: 200}},
		{"bad probability", emulator.FaultRule{Method: "*", Action: emulator.ActionSucceed, Probability: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := h.admin.AddFault(context.Background(), tt.give)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "status 400")
		})
	}
}

func TestFaultsFileLoadedAtStart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "faults.json")
	rules := `[
		{"method": "Account.add_alias", "action": "http_status", "status": 502, "count": 1},
		{"method": "Customer.*", "action": "latency", "delay": "10ms"}
	]`
	require.NoError(t, os.WriteFile(path, []byte(rules), 0o600))
	h := newHarness(t, func(c *emulator.Config) { c.FaultsFile = path })

	faults, err := h.admin.Faults(context.Background())
	require.NoError(t, err)
	require.Len(t, faults, 2)
	assert.Equal(t, emulator.Duration(10*time.Millisecond), faults[1].Delay)

	cust := h.addCustomer("acme", nil)
	master := h.addAccount(cust, "sip-1", nil)
	r := h.call("Account.add_alias", aliasParams(master, "500"))
	assert.Equal(t, http.StatusBadGateway, r.status)
	h.mustOK("Account.add_alias", aliasParams(master, "500"))
}

func TestFaultsFileInvalid(t *testing.T) {
	path := filepath.Join(t.TempDir(), "faults.json")
	require.NoError(t, os.WriteFile(path, []byte(`[{"method": "*", "action": "fault"}]`), 0o600))

	_, err := emulator.New(emulator.Config{DBPath: emulator.MemoryDB, FaultsFile: path}, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "faultcode")
}
