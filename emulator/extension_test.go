package emulator_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portaplus2/batchcustomers/emulator"
)

func TestAddCustomerExtension(t *testing.T) {
	h := newHarness(t)
	cust := h.addCustomer("acme", nil)
	acc := h.addAccount(cust, "12025550100", nil)

	body := h.mustOK("Customer.add_customer_extension", map[string]any{
		"i_customer": cust, "i_account": acc, "id": "101", "name": "Alice", "published": "Y",
	})
	ext := num(t, body, "i_c_ext")
	assert.Equal(t, int64(1000), ext)

	body = h.mustOK("Customer.get_extensions_list", map[string]any{"i_customer": cust, "extension": "101"})
	rows := list(t, body, "extensions_list")
	require.Len(t, rows, 1)
	row := rows[0].(map[string]any)
	assert.Equal(t, float64(ext), row["i_c_ext"])
	assert.Equal(t, "101", row["id"])
	assert.Equal(t, "Alice", row["name"])
	assert.Equal(t, float64(acc), row["i_account"])
	assert.Equal(t, float64(cust), row["i_customer"])
	assert.Equal(t, float64(cust), row["i_customer_of_account"])
	assert.Equal(t, "Y", row["published"])
}

func TestAddCustomerExtensionRules(t *testing.T) {
	h := newHarness(t)
	cust := h.addCustomer("acme", nil)
	other := h.addCustomer("other", nil)
	acc := h.addAccount(cust, "12025550100", nil)
	foreign := h.addAccount(other, "12025550199", nil)
	h.mustOK("Customer.add_customer_extension", map[string]any{"i_customer": cust, "i_account": acc, "id": "101"})

	tests := []struct {
		name string
		give map[string]any
		want string
	}{
		{"number in use", map[string]any{"i_customer": cust, "i_account": acc, "id": "101"}, emulator.FaultExtensionInUse},
		{"account of another customer", map[string]any{"i_customer": cust, "i_account": foreign, "id": "102"}, emulator.FaultExtensionAccount},
		{"unknown account", map[string]any{"i_customer": cust, "i_account": 424242, "id": "102"}, emulator.FaultExtensionAccount},
		{"unknown customer", map[string]any{"i_customer": 424242, "i_account": acc, "id": "102"}, emulator.FaultCustomerNotFound},
		{"no number", map[string]any{"i_customer": cust, "i_account": acc}, "Client.Customer.missing_required_field.id"},
		{"no account or product", map[string]any{"i_customer": cust, "id": "102"}, "Client.Customer.missing_required_field.i_account"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.mustFault("Customer.add_customer_extension", tt.give, tt.want)
		})
	}

	// The same number is free for another customer.
	h.mustOK("Customer.add_customer_extension", map[string]any{"i_customer": other, "i_account": foreign, "id": "101"})
}

func TestAddCustomerExtensionWithProduct(t *testing.T) {
	h := newHarness(t)
	cust := h.addCustomer("acme", nil)

	h.mustOK("Customer.add_customer_extension", map[string]any{"i_customer": cust, "i_product": 9, "id": "300"})

	rows := list(t, h.mustOK("Customer.get_extensions_list", map[string]any{"i_customer": cust}), "extensions_list")
	require.Len(t, rows, 1)
	acc := h.accountInfo(map[string]any{"i_account": rows[0].(map[string]any)["i_account"]})
	require.NotNil(t, acc, "an account is made for the extension")
	assert.Equal(t, float64(cust), acc["i_customer"])
	assert.Equal(t, float64(9), acc["i_product"])
}

func TestGetExtensionsListFilters(t *testing.T) {
	h := newHarness(t)
	cust := h.addCustomer("acme", nil)
	acc := h.addAccount(cust, "12025550100", nil)
	for _, n := range []string{"100", "101", "110", "200"} {
		h.mustOK("Customer.add_customer_extension", map[string]any{"i_customer": cust, "i_account": acc, "id": n})
	}
	count := func(params map[string]any) int {
		params["i_customer"] = cust
		return len(list(t, h.mustOK("Customer.get_extensions_list", params), "extensions_list"))
	}

	assert.Equal(t, 1, count(map[string]any{"extension": "101"}))
	assert.Equal(t, 0, count(map[string]any{"extension": "10"}), "no wildcard means an exact match")
	assert.Equal(t, 3, count(map[string]any{"extension": "1%"}))
	assert.Equal(t, 2, count(map[string]any{"extension": "10_"}))
	assert.Equal(t, 4, count(map[string]any{}))
	assert.Equal(t, 2, count(map[string]any{"limit": 2}))
	assert.Equal(t, 1, count(map[string]any{"limit": 2, "offset": 3}))

	body := h.mustOK("Customer.get_extensions_list", map[string]any{"i_customer": cust, "limit": 1, "get_total": 1})
	assert.Equal(t, float64(4), body["total"])
	h.mustFault("Customer.get_extensions_list", map[string]any{}, "Client.Customer.missing_required_field.i_customer")
}

func TestDeleteCustomerExtension(t *testing.T) {
	h := newHarness(t)
	cust := h.addCustomer("acme", nil)
	acc := h.addAccount(cust, "12025550100", nil)
	ext := num(t, h.mustOK("Customer.add_customer_extension", map[string]any{
		"i_customer": cust, "i_account": acc, "id": "101",
	}), "i_c_ext")

	h.mustFault("Customer.delete_customer_extension", map[string]any{"i_customer": cust + 1, "i_c_ext": ext},
		emulator.FaultExtensionNotFound)

	body := h.mustOK("Customer.delete_customer_extension", map[string]any{"i_customer": cust, "i_c_ext": ext})
	assert.Equal(t, float64(1), body["success"])
	assert.Empty(t, list(t, h.mustOK("Customer.get_extensions_list", map[string]any{"i_customer": cust}), "extensions_list"))
	assert.NotNil(t, h.accountInfo(map[string]any{"i_account": acc}), "the account stays")

	h.mustFault("Customer.delete_customer_extension", map[string]any{"i_customer": cust, "i_c_ext": ext},
		emulator.FaultExtensionNotFound)
}
