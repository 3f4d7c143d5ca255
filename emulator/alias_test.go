package emulator_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portaplus2/batchcustomers/emulator"
)

func TestAddAlias(t *testing.T) {
	h := newHarness(t)
	cust := h.addCustomer("acme", nil)
	master := h.addAccount(cust, "sip-user-1", nil)

	body := h.mustOK("Account.add_alias", map[string]any{"alias_info": map[string]any{
		"i_master_account": master, "id": "12025550100", "note": "alias-mark",
	}})
	alias := num(t, body, "i_account")

	info := h.accountInfo(map[string]any{"id": "12025550100"})
	require.NotNil(t, info)
	assert.Equal(t, float64(alias), info["i_account"])
	assert.Equal(t, float64(master), info["i_master_account"])
	assert.Equal(t, float64(2), info["billing_model"])
	assert.Equal(t, "Y", info["blocked"], "aliases are blocked by default")
	assert.Equal(t, float64(cust), info["i_customer"])
	assert.Equal(t, "alias-mark", info["note"])

	body = h.mustOK("Account.add_alias", map[string]any{"alias_info": map[string]any{
		"i_master_account": master, "id": "12025550101", "blocked": "N",
	}})
	info = h.accountInfo(map[string]any{"i_account": body["i_account"]})
	assert.Equal(t, "N", info["blocked"])
}

func TestAddAliasRules(t *testing.T) {
	h := newHarness(t)
	cust := h.addCustomer("acme", nil)
	master := h.addAccount(cust, "sip-user-1", nil)
	closed := h.addAccount(cust, "sip-user-2", nil)
	h.mustOK("Account.terminate_account", map[string]any{"i_account": closed})
	h.mustOK("Account.add_alias", map[string]any{"alias_info": map[string]any{"i_master_account": master, "id": "500"}})

	tests := []struct {
		name string
		give map[string]any
		want string
	}{
		{"id of an account", map[string]any{"i_master_account": master, "id": "sip-user-1"}, emulator.FaultAccountDuplicateID},
		{"id of an alias", map[string]any{"i_master_account": master, "id": "500"}, emulator.FaultAccountDuplicateID},
		{"unknown master", map[string]any{"i_master_account": 424242, "id": "501"}, emulator.FaultMasterNotFound},
		{"closed master", map[string]any{"i_master_account": closed, "id": "501"}, emulator.FaultMasterNotFound},
		{"no master", map[string]any{"id": "501"}, "Client.Account.missing_required_field.alias_info.i_master_account"},
		{"no id", map[string]any{"i_master_account": master}, "Client.Account.missing_required_field.alias_info.id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.mustFault("Account.add_alias", map[string]any{"alias_info": tt.give}, tt.want)
		})
	}

	// An account cannot take an id that an alias holds.
	h.mustFault("Account.add_account", map[string]any{"account_info": map[string]any{
		"id": "500", "i_customer": cust, "i_product": 7, "billing_model": 1,
	}}, emulator.FaultAccountDuplicateID)
}

func TestGetAliasList(t *testing.T) {
	h := newHarness(t)
	cust := h.addCustomer("acme", nil)
	master := h.addAccount(cust, "sip-user-1", nil)
	for _, id := range []string{"501", "502", "503"} {
		h.mustOK("Account.add_alias", map[string]any{"alias_info": map[string]any{"i_master_account": master, "id": id}})
	}

	body := h.mustOK("Account.get_alias_list", map[string]any{"i_master_account": master, "get_total": 1})
	aliases := list(t, body, "alias_list")
	require.Len(t, aliases, 3)
	first := aliases[0].(map[string]any)
	assert.Equal(t, "501", first["id"])
	assert.Equal(t, float64(master), first["i_master_account"])
	assert.Equal(t, "Y", first["blocked"])
	assert.Equal(t, float64(3), body["total"])

	body = h.mustOK("Account.get_alias_list", map[string]any{"i_master_account": master, "limit": 2, "offset": 2})
	assert.Len(t, list(t, body, "alias_list"), 1)
}

func TestDeleteAlias(t *testing.T) {
	h := newHarness(t)
	cust := h.addCustomer("acme", nil)
	master := h.addAccount(cust, "sip-user-1", nil)
	other := h.addAccount(cust, "sip-user-2", nil)
	alias := num(t, h.mustOK("Account.add_alias", map[string]any{"alias_info": map[string]any{
		"i_master_account": master, "id": "12025550100",
	}}), "i_account")

	h.mustFault("Account.delete_alias", map[string]any{"alias_info": map[string]any{
		"i_account": alias, "i_master_account": other,
	}}, emulator.FaultAliasNotFound)
	h.mustFault("Account.delete_alias", map[string]any{"alias_info": map[string]any{"i_account": master}},
		emulator.FaultAliasNotFound)

	body := h.mustOK("Account.delete_alias", map[string]any{
		"alias_info": map[string]any{"i_account": alias}, "release_assigned_did": 0,
	})
	assert.Equal(t, float64(1), body["success"])
	assert.Nil(t, h.accountInfo(map[string]any{"id": "12025550100"}))

	h.mustFault("Account.delete_alias", map[string]any{"alias_info": map[string]any{"i_account": alias}},
		emulator.FaultAliasNotFound)

	// The number is free again.
	h.mustOK("Account.add_alias", map[string]any{"alias_info": map[string]any{
		"i_master_account": master, "id": "12025550100",
	}})
}

func TestDeleteAliasWithMatchingMaster(t *testing.T) {
	h := newHarness(t)
	cust := h.addCustomer("acme", nil)
	master := h.addAccount(cust, "sip-user-1", nil)
	alias := num(t, h.mustOK("Account.add_alias", map[string]any{"alias_info": map[string]any{
		"i_master_account": master, "id": "12025550100",
	}}), "i_account")

	h.mustOK("Account.delete_alias", map[string]any{"alias_info": map[string]any{
		"i_account": alias, "i_master_account": master,
	}})
	assert.Empty(t, list(t, h.mustOK("Account.get_alias_list", map[string]any{"i_master_account": master}), "alias_list"))
}

func TestTerminateAccountClosesAliases(t *testing.T) {
	h := newHarness(t)
	cust := h.addCustomer("acme", nil)
	master := h.addAccount(cust, "sip-user-1", nil)
	alias := num(t, h.mustOK("Account.add_alias", map[string]any{"alias_info": map[string]any{
		"i_master_account": master, "id": "12025550100",
	}}), "i_account")

	h.mustOK("Account.terminate_account", map[string]any{"i_account": master})

	info := h.accountInfo(map[string]any{"i_account": alias})
	require.NotNil(t, info)
	assert.Equal(t, "C", info["bill_status"])
	assert.Regexp(t, `^12025550100-old\d{3,}$`, info["id"])
	assert.Empty(t, list(t, h.mustOK("Account.get_alias_list", map[string]any{"i_master_account": master}), "alias_list"))

	// The alias number can go to a new account.
	h.addAccount(cust, "12025550100", nil)
}
