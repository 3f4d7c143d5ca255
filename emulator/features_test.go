package emulator_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portaplus2/batchcustomers/emulator"
)

// feature finds a feature by name in a service_features array.
func feature(t *testing.T, info map[string]any, name string) map[string]any {
	t.Helper()
	for _, f := range list(t, info, "service_features") {
		if m := f.(map[string]any); m["name"] == name {
			return m
		}
	}
	require.Failf(t, "feature missing", "no feature %q in %v", name, info["service_features"])
	return nil
}

// attribute finds an attribute by name in a feature.
func attribute(t *testing.T, f map[string]any, name string) map[string]any {
	t.Helper()
	for _, a := range list(t, f, "attributes") {
		if m := a.(map[string]any); m["name"] == name {
			return m
		}
	}
	require.Failf(t, "attribute missing", "no attribute %q in %v", name, f["attributes"])
	return nil
}

func cliFeature(number, name string) map[string]any {
	return map[string]any{"name": "cli", "flag_value": "Y", "attributes": []any{
		map[string]any{"name": "display_number", "values": []any{number}},
		map[string]any{"name": "display_name", "values": []any{name}},
	}}
}

func TestUpdateAccountServiceFeatures(t *testing.T) {
	h := newHarness(t)
	cust := h.addCustomer("acme", nil)
	acc := h.addAccount(cust, "12025550100", nil)

	body := h.mustOK("Account.update_service_features", map[string]any{
		"i_account": acc, "service_features": []any{cliFeature("12025550100", "Front Desk")},
	})
	assert.Equal(t, float64(acc), body["i_account"])

	info := h.accountInfo(map[string]any{"i_account": acc, "get_service_features": []any{"cli"}})
	features := list(t, info, "service_features")
	require.Len(t, features, 1)
	cli := feature(t, info, "cli")
	assert.Equal(t, "Y", cli["flag_value"])
	assert.Equal(t, "Y", cli["effective_flag_value"])
	number := attribute(t, cli, "display_number")
	assert.Equal(t, []any{"12025550100"}, number["values"])
	assert.Equal(t, []any{"12025550100"}, number["effective_values"])
	assert.Equal(t, []any{"Front Desk"}, attribute(t, cli, "display_name")["effective_values"])
}

func TestServiceFeaturesMerge(t *testing.T) {
	h := newHarness(t)
	cust := h.addCustomer("acme", nil)
	acc := h.addAccount(cust, "12025550100", map[string]any{"service_features": []any{
		cliFeature("12025550100", "Old Name"),
		map[string]any{"name": "voice_dialing", "flag_value": "N"},
	}})

	// Only display_name is sent: display_number and the other feature stay,
	// and echoed read-only keys are ignored.
	h.mustOK("Account.update_service_features", map[string]any{"i_account": acc, "service_features": []any{
		map[string]any{"name": "cli", "effective_flag_value": "Y", "locked": 0, "attributes": []any{
			map[string]any{"name": "display_name", "values": []any{"New Name"}, "effective_values": []any{"x"}},
		}},
	}})

	info := h.accountInfo(map[string]any{"i_account": acc})
	cli := feature(t, info, "cli")
	assert.Equal(t, "Y", cli["flag_value"], "flag stays when not sent")
	assert.Equal(t, []any{"New Name"}, attribute(t, cli, "display_name")["values"])
	assert.Equal(t, []any{"12025550100"}, attribute(t, cli, "display_number")["values"])
	assert.Equal(t, "N", feature(t, info, "voice_dialing")["flag_value"])

	// Clearing a value is done by sending [""].
	h.mustOK("Account.update_service_features", map[string]any{"i_account": acc, "service_features": []any{
		map[string]any{"name": "cli", "flag_value": "N", "attributes": []any{
			map[string]any{"name": "display_number", "values": []any{""}},
		}},
	}})
	cli = feature(t, h.accountInfo(map[string]any{"i_account": acc}), "cli")
	assert.Equal(t, "N", cli["flag_value"])
	assert.Equal(t, []any{""}, attribute(t, cli, "display_number")["values"])
}

func TestServiceFeaturesInheritance(t *testing.T) {
	h := newHarness(t)
	cust := h.addCustomer("acme", map[string]any{"service_features": []any{cliFeature("18005550000", "ACME")}})
	acc := h.addAccount(cust, "12025550100", nil)

	h.mustOK("Account.update_service_features", map[string]any{"i_account": acc, "service_features": []any{
		map[string]any{"name": "cli", "flag_value": "^"},
		map[string]any{"name": "clir", "flag_value": "~"},
	}})

	info := h.accountInfo(map[string]any{"i_account": acc, "get_service_features": []any{"cli", "clir", "unset"}})
	cli := feature(t, info, "cli")
	assert.Equal(t, "^", cli["flag_value"])
	assert.Equal(t, "Y", cli["effective_flag_value"], "taken from the customer")
	assert.Equal(t, []any{"18005550000"}, attribute(t, cli, "display_number")["effective_values"])

	clir := feature(t, info, "clir")
	assert.Nil(t, clir["effective_flag_value"])
	unset := feature(t, info, "unset")
	assert.Equal(t, "~", unset["flag_value"])
}

func TestCustomerServiceFeatures(t *testing.T) {
	h := newHarness(t)
	cust := h.addCustomer("acme", nil)

	body := h.mustOK("Customer.update_service_features", map[string]any{
		"i_customer": cust, "service_features": []any{cliFeature("18005550000", "ACME")},
	})
	assert.Equal(t, float64(cust), body["i_customer"])

	info := object(t, h.mustOK("Customer.get_customer_info", map[string]any{
		"i_customer": cust, "get_service_features": []any{"cli"},
	}), "customer_info")
	cli := feature(t, info, "cli")
	assert.Equal(t, []any{"ACME"}, attribute(t, cli, "display_name")["effective_values"])
	assert.NotContains(t, cli, "locked", "customer features carry no lock keys")

	state := h.state()
	require.Len(t, state.Customers[0].ServiceFeatures, 1)
	assert.Equal(t, emulator.ServiceFeature{Name: "cli", FlagValue: "Y", Attributes: []emulator.Attribute{
		{Name: "display_number", Values: []string{"18005550000"}},
		{Name: "display_name", Values: []string{"ACME"}},
	}}, state.Customers[0].ServiceFeatures[0])
}

func TestUpdateServiceFeaturesErrors(t *testing.T) {
	h := newHarness(t)
	cust := h.addCustomer("acme", nil)
	acc := h.addAccount(cust, "12025550100", nil)

	h.mustFault("Account.update_service_features", map[string]any{"i_account": acc},
		"Client.Account.missing_required_field.service_features")
	h.mustFault("Account.update_service_features", map[string]any{
		"i_account": acc, "service_features": []any{map[string]any{"flag_value": "Y"}},
	}, "Client.Account.missing_required_field.service_features.name")
	h.mustFault("Account.update_service_features", map[string]any{
		"i_account": 424242, "service_features": []any{cliFeature("1", "x")},
	}, emulator.FaultAccountNotFound)
	h.mustFault("Customer.update_service_features", map[string]any{
		"i_customer": 424242, "service_features": []any{cliFeature("1", "x")},
	}, emulator.FaultCustomerNotFound)
}
