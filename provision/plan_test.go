package provision_test

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portaplus2/batchcustomers/billing"
	"github.com/portaplus2/batchcustomers/provision"
	"github.com/portaplus2/batchcustomers/wire"
)

func sampleBatch(t *testing.T) *wire.BatchCustomerCreation {
	t.Helper()
	data, err := os.ReadFile("../samples/batch-3-customers.xml")
	require.NoError(t, err)
	b, err := wire.DecodeXML(bytes.NewReader(data))
	require.NoError(t, err)
	return b
}

func plan(t *testing.T, b *wire.BatchCustomerCreation, i int) *provision.Plan {
	t.Helper()
	raw, err := provision.EncodeRow(b, i)
	require.NoError(t, err)
	row, err := provision.DecodeRow(raw)
	require.NoError(t, err)
	p, err := provision.Build(row)
	require.NoError(t, err)
	return p
}

func TestCustomerInfoFromSample(t *testing.T) {
	p := plan(t, sampleBatch(t), 0)

	assert.Equal(t, "Example Dental Studio", p.Name)
	assert.Equal(t, "exampledental", p.Login)
	c := p.Customer
	assert.Equal(t, "Example Dental Studio", c["name"])
	assert.Equal(t, "USD", c["iso_4217"])
	assert.Equal(t, int64(4512), c["i_parent"], "ResellerID fills an unset IParent")
	assert.Equal(t, "Cq7!vR4t-Wm2z", c["password"])
	assert.Equal(t, "Example Dental Studio LLC", c["companyname"])
	assert.Equal(t, "100 Example Avenue NW", c["baddr1"])
	assert.Equal(t, "Suite 200", c["address_line_2"])
	assert.Equal(t, "Washington", c["city"])
	assert.Equal(t, "DC", c["state"])
	assert.Equal(t, "US", c["country"])
	assert.Equal(t, json.Number("500"), c["credit_limit"])
	assert.Equal(t, int64(12), c["i_customer_class"])
	assert.Equal(t, int64(4), c["i_billing_period"])
	assert.Equal(t, "en", c["i_lang"])
	assert.Equal(t, "S", c["send_statistics"])
	assert.NotContains(t, c, "opening_balance", "a zero opening balance is not set")
	assert.NotContains(t, c, "i_acl", "a zero id is never sent")
	features, ok := c["service_features"].([]billing.ServiceFeature)
	require.True(t, ok)
	require.Len(t, features, 1)
	assert.Equal(t, "cli", features[0].Name)
}

func TestAccountsAliasDisplayExtensions(t *testing.T) {
	p := plan(t, sampleBatch(t), 0)

	require.Len(t, p.Accounts, 2)
	a := p.Accounts[0]
	assert.Equal(t, "12025550101", a.ID)
	assert.Equal(t, int64(1201), a.Info["i_product"], "ProductID fills an unset DefaultValues.ProductId")
	assert.Equal(t, 1, a.Info["billing_model"], "Credit is 1")
	assert.Equal(t, "Vq8#tR2m!Lk5wZ", a.Info["h323_password"])
	assert.Equal(t, "2025-07-01", a.Info["activation_date"])
	assert.Equal(t, "EXDENT", a.Info["batch_name"])
	assert.Equal(t, "Y", a.Info["follow_me_enabled"])
	assert.Equal(t, "N", a.Info["ecommerce_enabled"])
	features := a.Info["service_features"].([]billing.ServiceFeature)
	assert.Equal(t, "unified_messaging", features[0].Name)
	for _, f := range features {
		assert.NotEqual(t, "cli", f.Name, "cli is the display step's")
	}

	assert.Equal(t, "12025550100", p.Alias)
	require.NotNil(t, p.Display)
	attrs := map[string][]string{}
	for _, at := range p.Display.Attributes {
		attrs[at.Name] = billing.Strings(at.Values)
	}
	assert.Equal(t, map[string][]string{
		"display_name": {"Example Dental"}, "display_number": {"12025550100"}, "display_name_override": {"Y"},
	}, attrs)

	assert.Equal(t, []provision.ExtensionPlan{
		{Number: "101", Account: 0, Name: "Reception"},
		{Number: "102", Account: 1, Name: "Treatment room"},
	}, p.Extensions)
	assert.Contains(t, p.Ignored, "Customer.Customer.Preferences.DiallingRule")
	assert.Contains(t, p.Ignored, "Account.AccountRequest.DefaultValues.RTPProxy")
}

func TestGeneratedIDsAndPrimaryAccount(t *testing.T) {
	b := sampleBatch(t)
	req := b.CustData[0].Account.AccountRequest
	req.AccountsToCreate[0].AcntId, req.AccountsToCreate[1].AcntId = "", ""
	req.AccountPrefix, req.AccountRandomDigitLength = "EX", 6
	// The account listed second has the lower Index, so it is primary.
	req.AccountsToCreate[0].Index, req.AccountsToCreate[1].Index = 5, 2
	b.CustData[0].ExtensionNo = ""
	req.AccountsToCreate[1].Extension = ""

	p := plan(t, b, 0)
	require.Len(t, p.Accounts, 2)
	for _, a := range p.Accounts {
		assert.Empty(t, a.ID)
		assert.Equal(t, "EX", a.Prefix)
		assert.Equal(t, 6, a.Digits)
	}
	assert.Equal(t, "Vq8#tR2m!Lk5wZ", p.Accounts[1].Info["h323_password"], "plan order follows Index")
	assert.Equal(t, []provision.ExtensionPlan{{Number: "101", Account: 1, Name: "Reception"}}, p.Extensions)
}

func TestUnsetValuesAreNotSent(t *testing.T) {
	b := &wire.BatchCustomerCreation{CustData: []wire.CsvData{{
		Customer: &wire.CreateCustomer{Customer: &wire.Customer{
			PersonalInformation: &wire.PersonalInformation{Name: "Bare"},
			CustomerStatus:      &wire.CustomerStatus{ISO4217: "eur"},
		}},
		Account: &wire.CreateAccount{AccountRequest: &wire.AccountRequest{
			AccountsToCreate: []wire.AccountInformation{{AcntId: "100"}},
		}},
	}}, ProductID: 7}

	p := plan(t, b, 0)
	assert.Equal(t, map[string]any{"name": "Bare", "iso_4217": "EUR"}, p.Customer)
	assert.Equal(t, map[string]any{"i_product": int64(7), "billing_model": 1}, p.Accounts[0].Info)
	assert.Empty(t, p.Alias)
	assert.Nil(t, p.Display)
	assert.Empty(t, p.Extensions)
	assert.Empty(t, p.Ignored)
}
