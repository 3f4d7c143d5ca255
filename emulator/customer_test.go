package emulator_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portaplus2/batchcustomers/emulator"
)

func TestAddAndGetCustomer(t *testing.T) {
	h := newHarness(t)
	id := h.addCustomer("acme-1", map[string]any{
		"login": "acme", "note": "wf:batch-7-customer-1", "email": "ops@example.com",
		"credit_limit": 12.5, "i_customer_type": 1,
	})
	assert.Equal(t, int64(1000), id, "ids start at the id base")

	for _, key := range []map[string]any{
		{"i_customer": id}, {"i_customer": "1000"}, {"name": "acme-1"}, {"login": "acme"},
	} {
		body := h.mustOK("Customer.get_customer_info", key)
		info := object(t, body, "customer_info")
		assert.Equal(t, float64(id), info["i_customer"], "key %v", key)
		assert.Equal(t, "acme-1", info["name"])
		assert.Equal(t, "USD", info["iso_4217"])
		assert.Equal(t, "wf:batch-7-customer-1", info["note"])
		assert.Equal(t, "ops@example.com", info["email"])
		assert.Equal(t, 12.5, info["credit_limit"])
		assert.Equal(t, "O", info["bill_status"])
		assert.Equal(t, "N", info["blocked"])
	}
}

func TestGetCustomerInfoUnknown(t *testing.T) {
	h := newHarness(t)
	for _, key := range []map[string]any{{"i_customer": 99999}, {"name": "nobody"}, {"login": "nobody"}} {
		body := h.mustOK("Customer.get_customer_info", key)
		assert.Empty(t, body, "key %v", key)
	}
	h.mustFault("Customer.get_customer_info", map[string]any{},
		"Client.Customer.missing_required_field.i_customer")
}

func TestAddCustomerRequiredFields(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name string
		give map[string]any
		want string
	}{
		{"no customer_info", map[string]any{}, "Client.Customer.missing_required_field.customer_info"},
		{"no name", map[string]any{"customer_info": map[string]any{"iso_4217": "USD"}},
			"Client.Customer.missing_required_field.customer_info.name"},
		{"no currency", map[string]any{"customer_info": map[string]any{"name": "x"}},
			"Client.Customer.missing_required_field.customer_info.iso_4217"},
		{"bad currency", map[string]any{"customer_info": map[string]any{"name": "x", "iso_4217": "dollars"}},
			"Client.Customer.invalid_value.customer_info.iso_4217"},
		{"bad blocked", map[string]any{"customer_info": map[string]any{"name": "x", "iso_4217": "USD", "blocked": "maybe"}},
			"Client.Customer.invalid_value.customer_info.blocked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.mustFault("Customer.add_customer", tt.give, tt.want)
		})
	}
	assert.Empty(t, h.state().Customers)
}

func TestAddCustomerUniqueness(t *testing.T) {
	h := newHarness(t)
	h.addCustomer("acme", map[string]any{"login": "acme-login"})

	h.mustFault("Customer.add_customer", map[string]any{
		"customer_info": map[string]any{"name": "acme", "iso_4217": "USD"},
	}, emulator.FaultCustomerDuplicateID)
	h.mustFault("Customer.add_customer", map[string]any{
		"customer_info": map[string]any{"name": "other", "iso_4217": "USD", "login": "acme-login"},
	}, emulator.FaultCustomerDuplicateLogin)

	// Empty logins never clash.
	h.addCustomer("no-login-1", map[string]any{"login": ""})
	h.addCustomer("no-login-2", map[string]any{"login": ""})
}

func TestAddCustomerParent(t *testing.T) {
	h := newHarness(t)
	parent := h.addCustomer("reseller", nil)

	h.mustFault("Customer.add_customer", map[string]any{
		"customer_info": map[string]any{"name": "child", "iso_4217": "USD", "i_parent": 424242},
	}, emulator.FaultParentNotFound)

	child := h.addCustomer("child", map[string]any{"i_parent": parent})
	info := object(t, h.mustOK("Customer.get_customer_info", map[string]any{"i_customer": child}), "customer_info")
	assert.Equal(t, float64(parent), info["i_parent"])

	// A null parent means a direct customer.
	direct := h.addCustomer("direct", map[string]any{"i_parent": nil})
	info = object(t, h.mustOK("Customer.get_customer_info", map[string]any{"i_customer": direct}), "customer_info")
	assert.Nil(t, info["i_parent"])
}

func TestUpdateCustomer(t *testing.T) {
	h := newHarness(t)
	id := h.addCustomer("acme", map[string]any{"note": "first", "city": "Kyiv"})
	h.addCustomer("taken", nil)

	body := h.mustOK("Customer.update_customer", map[string]any{
		"customer_info": map[string]any{"i_customer": id, "note": "second", "email": "a@example.com"},
	})
	assert.Equal(t, float64(id), body["i_customer"])

	info := object(t, h.mustOK("Customer.get_customer_info", map[string]any{"i_customer": id}), "customer_info")
	assert.Equal(t, "second", info["note"])
	assert.Equal(t, "Kyiv", info["city"])
	assert.Equal(t, "a@example.com", info["email"])

	h.mustFault("Customer.update_customer", map[string]any{
		"customer_info": map[string]any{"i_customer": id, "iso_4217": "EUR"},
	}, emulator.FaultCurrencyChange)
	h.mustFault("Customer.update_customer", map[string]any{
		"customer_info": map[string]any{"i_customer": id, "name": "taken"},
	}, emulator.FaultCustomerDuplicateID)
	h.mustFault("Customer.update_customer", map[string]any{
		"customer_info": map[string]any{"i_customer": 555555},
	}, emulator.FaultCustomerNotFound)
}

func TestTerminateCustomer(t *testing.T) {
	h := newHarness(t)
	id := h.addCustomer("acme", nil)

	body := h.mustOK("Customer.terminate_customer", map[string]any{"i_customer": id})
	assert.Equal(t, float64(1), body["success"])

	info := object(t, h.mustOK("Customer.get_customer_info", map[string]any{"i_customer": id}), "customer_info")
	assert.Equal(t, "C", info["bill_status"])

	h.mustFault("Customer.terminate_customer", map[string]any{"i_customer": id}, emulator.FaultCustomerNotFound)
	h.mustFault("Customer.terminate_customer", map[string]any{"i_customer": 424242}, emulator.FaultCustomerNotFound)
}

func TestDeleteCustomer(t *testing.T) {
	h := newHarness(t)
	id := h.addCustomer("acme", nil)
	acc := h.addAccount(id, "12025550100", nil)
	ext := num(t, h.mustOK("Customer.add_customer_extension", map[string]any{
		"i_customer": id, "i_account": acc, "id": "100",
	}), "i_c_ext")

	h.mustFault("Customer.delete_customer", map[string]any{"i_customer": id}, emulator.FaultCustomerHasAccounts)

	h.mustOK("Account.terminate_account", map[string]any{"i_account": acc})
	h.mustFault("Customer.delete_customer", map[string]any{"i_customer": id}, emulator.FaultCustomerHasExtensions)

	h.mustOK("Customer.delete_customer_extension", map[string]any{"i_customer": id, "i_c_ext": ext})
	body := h.mustOK("Customer.delete_customer", map[string]any{"i_customer": id})
	assert.Equal(t, float64(1), body["success"])

	assert.Empty(t, h.mustOK("Customer.get_customer_info", map[string]any{"i_customer": id}))
	h.mustFault("Customer.delete_customer", map[string]any{"i_customer": id}, emulator.FaultCustomerNotFound)
}

func TestDeleteCustomerClosedAccountsCount(t *testing.T) {
	h := newHarness(t, func(c *emulator.Config) { c.ClosedAccountsBlockDelete = true })
	id := h.addCustomer("acme", nil)
	acc := h.addAccount(id, "12025550100", nil)
	h.mustOK("Account.terminate_account", map[string]any{"i_account": acc})

	h.mustFault("Customer.delete_customer", map[string]any{"i_customer": id}, emulator.FaultCustomerHasAccounts)
}

func TestDeleteCustomerWithSubcustomer(t *testing.T) {
	h := newHarness(t)
	parent := h.addCustomer("reseller", nil)
	h.addCustomer("child", map[string]any{"i_parent": parent})

	h.mustFault("Customer.delete_customer", map[string]any{"i_customer": parent}, emulator.FaultCustomerHasChildren)
}

func TestGetCustomerList(t *testing.T) {
	h := newHarness(t)
	for _, name := range []string{"batch7-a", "batch7-b", "batch7-c", "other"} {
		h.addCustomer(name, nil)
	}

	body := h.mustOK("Customer.get_customer_list", map[string]any{"name": "batch7-%", "get_total": 1})
	assert.Len(t, list(t, body, "customer_list"), 3)
	assert.Equal(t, float64(3), body["total"])

	body = h.mustOK("Customer.get_customer_list", map[string]any{"name": "batch7-%", "limit": 2, "offset": 2})
	page := list(t, body, "customer_list")
	require.Len(t, page, 1)
	assert.Equal(t, "batch7-c", page[0].(map[string]any)["name"])
	assert.NotContains(t, body, "total")

	body = h.mustOK("Customer.get_customer_list", map[string]any{"name": "other"})
	assert.Len(t, list(t, body, "customer_list"), 1)

	h.mustFault("Customer.get_customer_list", map[string]any{"offset": 1},
		"Client.Customer.missing_required_field.limit")
}

func TestValidateCustomerInfo(t *testing.T) {
	h := newHarness(t)
	h.addCustomer("acme", nil)

	body := h.mustOK("Customer.validate_customer_info", map[string]any{
		"customer_info": map[string]any{"name": "fresh", "iso_4217": "USD"},
	})
	assert.Equal(t, float64(1), body["success"])
	h.mustFault("Customer.validate_customer_info", map[string]any{
		"customer_info": map[string]any{"name": "acme", "iso_4217": "USD"},
	}, emulator.FaultCustomerDuplicateID)
	assert.Len(t, h.state().Customers, 1, "validate must not insert")
}

func TestCustomerStateDump(t *testing.T) {
	h := newHarness(t)
	id := h.addCustomer("acme", map[string]any{"note": "mark", "login": "l1", "zip": "01001"})

	state := h.state()
	require.Len(t, state.Customers, 1)
	c := state.Customers[0]
	assert.Equal(t, id, c.ICustomer)
	assert.Equal(t, "acme", c.Name)
	assert.Equal(t, "l1", c.Login)
	assert.Equal(t, "USD", c.ISO4217)
	assert.Equal(t, "mark", c.Note)
	assert.Equal(t, "O", c.BillStatus)
	assert.Nil(t, c.IParent)
	assert.Equal(t, "01001", c.Info["zip"])
}

func TestResellersAreSeeded(t *testing.T) {
	dir := t.TempDir()
	cfg := emulator.Config{DBPath: filepath.Join(dir, "billing.db"), Resellers: "4512, 77"}
	srv, err := emulator.New(cfg, nil)
	require.NoError(t, err)
	hs := httptest.NewServer(srv.Handler())
	defer srv.Close()
	defer hs.Close()
	admin := &emulator.AdminClient{BaseURL: hs.URL}

	st, err := admin.State(context.Background())
	require.NoError(t, err)
	require.Len(t, st.Customers, 2)
	assert.Equal(t, int64(77), st.Customers[0].ICustomer)
	assert.Equal(t, "Reseller 4512", st.Customers[1].Name)

	require.NoError(t, admin.Reset(context.Background()))
	st, err = admin.State(context.Background())
	require.NoError(t, err)
	assert.Len(t, st.Customers, 2, "a reset seeds the resellers again")

	_, err = emulator.New(emulator.Config{DBPath: filepath.Join(dir, "other.db"), Resellers: "x"}, nil)
	assert.ErrorContains(t, err, `reseller id "x" is invalid`)
}
