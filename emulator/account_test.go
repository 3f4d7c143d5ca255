package emulator_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portaplus2/batchcustomers/emulator"
)

func TestAddAndGetAccount(t *testing.T) {
	h := newHarness(t)
	cust := h.addCustomer("acme", nil)
	id := h.addAccount(cust, "12025550100", map[string]any{
		"note": "wf:batch-7-customer-1", "email": "a@example.com", "batch_name": "b7",
	})
	assert.Equal(t, int64(1000), id)

	for _, key := range []map[string]any{{"i_account": id}, {"i_account": "1000"}, {"id": "12025550100"}} {
		info := h.accountInfo(key)
		require.NotNil(t, info, "key %v", key)
		assert.Equal(t, float64(id), info["i_account"])
		assert.Equal(t, "12025550100", info["id"])
		assert.Equal(t, float64(cust), info["i_customer"])
		assert.Equal(t, float64(1), info["billing_model"])
		assert.Equal(t, float64(7), info["i_product"])
		assert.Equal(t, "wf:batch-7-customer-1", info["note"])
		assert.Equal(t, "a@example.com", info["email"])
		assert.Equal(t, "O", info["bill_status"])
		assert.Equal(t, float64(1), info["is_active"])
	}
	assert.Nil(t, h.accountInfo(map[string]any{"id": "unknown"}))
}

func TestAddAccountIDAsNumberAndStrings(t *testing.T) {
	h := newHarness(t)
	cust := h.addCustomer("acme", nil)

	// Production clients send ids as numeric strings and phone numbers as
	// bare JSON numbers; unknown keys are ignored.
	body := h.mustOK("Account.add_account", map[string]any{"account_info": map[string]any{
		"id": 12025550101, "i_customer": "1000", "i_product": "7", "billing_model": "1",
		"bill_status": "O", "balance": "0.00000",
	}})
	info := h.accountInfo(map[string]any{"i_account": body["i_account"]})
	assert.Equal(t, "12025550101", info["id"])
	assert.Equal(t, float64(cust), info["i_customer"])
	assert.Equal(t, float64(7), info["i_product"], "ids are returned as numbers")
	assert.Equal(t, float64(1), info["billing_model"])
	assert.Equal(t, "0.00000", info["balance"], "other fields keep their form")
}

func TestAddAccountRules(t *testing.T) {
	h := newHarness(t)
	cust := h.addCustomer("acme", nil)
	closed := h.addCustomer("closed", nil)
	h.mustOK("Customer.terminate_customer", map[string]any{"i_customer": closed})
	h.addAccount(cust, "taken", map[string]any{"login": "sip-login"})

	base := func(changes map[string]any) map[string]any {
		info := map[string]any{"id": "new-1", "i_customer": cust, "i_product": 7, "billing_model": 1}
		for k, v := range changes {
			if v == nil {
				delete(info, k)
			} else {
				info[k] = v
			}
		}
		return map[string]any{"account_info": info}
	}
	tests := []struct {
		name string
		give map[string]any
		want string
	}{
		{"duplicate id", base(map[string]any{"id": "taken"}), emulator.FaultAccountDuplicateID},
		{"duplicate login", base(map[string]any{"login": "sip-login"}), emulator.FaultAccountDuplicateLogin},
		{"id too long", base(map[string]any{"id": strings.Repeat("9", 65)}), "Client.Account.too_long.account_info.id"},
		{"no id", base(map[string]any{"id": nil}), "Client.Account.missing_required_field.account_info.id"},
		{"no customer", base(map[string]any{"i_customer": nil}), "Client.Account.missing_required_field.account_info.i_customer"},
		{"unknown customer", base(map[string]any{"i_customer": 424242}), emulator.FaultAccountCustomer},
		{"closed customer", base(map[string]any{"i_customer": closed}), emulator.FaultAccountCustomer},
		{"no product", base(map[string]any{"i_product": nil}), "Client.Account.missing_required_field.account_info.i_product"},
		{"no billing model", base(map[string]any{"billing_model": nil}), "Client.Account.missing_required_field.account_info.billing_model"},
		{"alias billing model", base(map[string]any{"billing_model": 2}), "Client.Account.invalid_value.account_info.billing_model"},
		{"id not a string", base(map[string]any{"id": map[string]any{}}), "Client.Account.invalid_value.account_info.id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.mustFault("Account.add_account", tt.give, tt.want)
		})
	}

	// 64 characters is still allowed.
	h.addAccount(cust, strings.Repeat("8", 64), nil)
}

func TestAddAccountWeakPassword(t *testing.T) {
	h := newHarness(t, func(c *emulator.Config) { c.WeakPasswordCheck = true })
	cust := h.addCustomer("acme", nil)

	for _, password := range []string{"123456", "password", "abc12", "x12025550100y"} {
		faultstring := h.mustFault("Account.add_account", map[string]any{"account_info": map[string]any{
			"id": "12025550100", "i_customer": cust, "i_product": 7, "billing_model": 1,
			"h323_password": password,
		}}, emulator.FaultWeakPassword)
		assert.Equal(t, "Failed to add Account: The service password should not be easy to guess.",
			faultstring, "password %q", password)
	}
	h.addAccount(cust, "12025550100", map[string]any{"h323_password": "k7Qm2xPz9w"})
}

func TestWeakPasswordCheckOffByDefault(t *testing.T) {
	h := newHarness(t)
	cust := h.addCustomer("acme", nil)
	h.addAccount(cust, "12025550100", map[string]any{"h323_password": "123"})
}

func TestTerminateAccountFreesID(t *testing.T) {
	h := newHarness(t)
	cust := h.addCustomer("acme", nil)
	first := h.addAccount(cust, "12025550100", nil)

	body := h.mustOK("Account.terminate_account", map[string]any{"i_account": first})
	assert.Equal(t, float64(1), body["success"])

	closed := h.accountInfo(map[string]any{"i_account": first})
	require.NotNil(t, closed)
	assert.Equal(t, "C", closed["bill_status"])
	assert.Regexp(t, `^12025550100-old\d{3,}$`, closed["id"])
	assert.Nil(t, h.accountInfo(map[string]any{"id": "12025550100"}), "the number is free")

	second := h.addAccount(cust, "12025550100", nil)
	assert.NotEqual(t, first, second)
	info := h.accountInfo(map[string]any{"id": "12025550100"})
	assert.Equal(t, float64(second), info["i_account"])

	h.mustOK("Account.terminate_account", map[string]any{"i_account": second})
	again := h.accountInfo(map[string]any{"i_account": second})
	assert.NotEqual(t, closed["id"], again["id"], "each termination gets its own suffix")
}

func TestTerminateAccountTwice(t *testing.T) {
	h := newHarness(t)
	cust := h.addCustomer("acme", nil)
	acc := h.addAccount(cust, "12025550100", nil)
	h.mustOK("Account.terminate_account", map[string]any{"i_account": acc})

	h.mustFault("Account.terminate_account", map[string]any{"i_account": acc}, emulator.FaultAccountNotFound)
	h.mustFault("Account.terminate_account", map[string]any{"i_account": 424242}, emulator.FaultAccountNotFound)
	h.mustFault("Account.terminate_account", map[string]any{}, "Client.Account.missing_required_field.i_account")
}

func TestGetAccountList(t *testing.T) {
	h := newHarness(t)
	cust := h.addCustomer("acme", nil)
	other := h.addCustomer("other", nil)
	a1 := h.addAccount(cust, "100", nil)
	h.addAccount(cust, "101", nil)
	h.addAccount(other, "200", nil)
	h.mustOK("Account.add_alias", map[string]any{"alias_info": map[string]any{"i_master_account": a1, "id": "alias-1"}})
	h.mustOK("Account.terminate_account", map[string]any{"i_account": a1})

	body := h.mustOK("Account.get_account_list", map[string]any{"i_customer": cust, "get_total": 1})
	accounts := list(t, body, "account_list")
	assert.Len(t, accounts, 2, "closed accounts are listed, aliases are not")
	assert.Equal(t, float64(2), body["total"])

	body = h.mustOK("Account.get_account_list", map[string]any{"i_customer": cust, "get_not_closed_accounts": 1})
	accounts = list(t, body, "account_list")
	require.Len(t, accounts, 1)
	assert.Equal(t, "101", accounts[0].(map[string]any)["id"])

	body = h.mustOK("Account.get_account_list", map[string]any{"limit": 1, "offset": 1})
	assert.Len(t, list(t, body, "account_list"), 1)
}

func TestGetAccountInfoOptions(t *testing.T) {
	h := newHarness(t)
	cust := h.addCustomer("acme", map[string]any{"note": "cust-mark"})
	acc := h.addAccount(cust, "12025550100", nil)
	h.mustOK("Customer.add_customer_extension", map[string]any{
		"i_customer": cust, "i_account": acc, "id": "201", "name": "Reception",
	})

	body := h.mustOK("Account.get_account_info", map[string]any{
		"i_account": acc, "detailed_info": 1, "with_customer_info": 1,
	})
	info := object(t, body, "account_info")
	assert.Equal(t, "201", info["extension_id"])
	assert.Equal(t, "Reception", info["extension_name"])
	customer := object(t, body, "customer_info")
	assert.Equal(t, "cust-mark", customer["note"])
}

func TestValidateAccountInfo(t *testing.T) {
	h := newHarness(t)
	cust := h.addCustomer("acme", nil)
	h.addAccount(cust, "taken", nil)

	body := h.mustOK("Account.validate_account_info", map[string]any{"account_info": map[string]any{
		"id": "free", "i_customer": cust, "i_product": 7, "billing_model": 1,
	}})
	assert.Equal(t, float64(1), body["success"])
	h.mustFault("Account.validate_account_info", map[string]any{"account_info": map[string]any{
		"id": "taken", "i_customer": cust, "i_product": 7, "billing_model": 1,
	}}, emulator.FaultAccountDuplicateID)
	assert.Len(t, h.state().Accounts, 1, "validate must not insert")
}

func TestAccountStateDump(t *testing.T) {
	h := newHarness(t)
	cust := h.addCustomer("acme", nil)
	acc := h.addAccount(cust, "12025550100", map[string]any{"note": "mark"})

	state := h.state()
	require.Len(t, state.Accounts, 1)
	a := state.Accounts[0]
	assert.Equal(t, acc, a.IAccount)
	assert.Equal(t, "12025550100", a.ID)
	assert.Equal(t, cust, a.ICustomer)
	assert.Equal(t, 1, a.BillingModel)
	assert.Nil(t, a.IMasterAccount)
	assert.Equal(t, "mark", a.Note)
	assert.Equal(t, "O", a.BillStatus)
	assert.Equal(t, "N", a.Blocked)
	assert.Equal(t, "Str0ngPassw0rd", a.Info["h323_password"])
}
