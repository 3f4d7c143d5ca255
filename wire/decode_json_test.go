package wire_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portaplus2/batchcustomers/wire"
)

func TestDecodeJSONSample(t *testing.T) {
	b := mustDecodeJSON(t, readSample(t, sampleJSONFile))
	requireSampleBatch(t, b)
}

func TestDecodeJSONLenientReading(t *testing.T) {
	sample := readSample(t, sampleJSONFile)
	want := mustDecodeJSON(t, sample)

	tests := []struct {
		name string
		give string
	}{
		{
			name: "keys in other case",
			give: edit(t, edit(t, sample, `"ProductID": 1201`, `"productid": 1201`, 1), `"countryCode": 1,`, `"COUNTRYCODE": 1,`, 1),
		},
		{
			name: "quoted numbers",
			give: edit(t, edit(t, sample, `"ProductID": 1201`, `"ProductID": "1201"`, 1), `"CreditLimit": 250.00`, `"CreditLimit": "250.00"`, 1),
		},
		{
			name: "unknown keys",
			give: edit(t, sample, `"ProductID": 1201`, `"Extra": {"a": [1, {"b": null}], "c": "d"}, "Flag": true, "ProductID": 1201`, 1),
		},
		{
			name: "enum names in other case",
			give: edit(t, edit(t, sample, `"BillingModel": "Credit"`, `"BillingModel": "CREDIT"`, 1), `"RTPProxy": "Direct"`, `"RTPProxy": "direct"`, 1),
		},
		{
			name: "null strings and objects",
			give: edit(t, edit(t, sample, `"ProductID": 1201`, `"BaseLicense": "ignored", "ProductID": 1201`, 1),
				`"Notes": "Two-seat dental practice; main number 202-555-0100."`,
				`"Notes": "Two-seat dental practice; main number 202-555-0100.", "Town": null`, 1),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.NotEqual(t, sample, tt.give)
			assert.Equal(t, want, mustDecodeJSON(t, tt.give))
		})
	}

	t.Run("number for a string member", func(t *testing.T) {
		b := mustDecodeJSON(t, edit(t, sample, `"AcntId": "12025550101"`, `"AcntId": 12025550101`, 1))
		assert.Equal(t, "12025550101", b.CustData[0].Account.AccountRequest.AccountsToCreate[0].AcntId)
	})

	t.Run("empty and null bodies", func(t *testing.T) {
		for _, body := range []string{"", "  \n", "null"} {
			assert.Equal(t, &wire.BatchCustomerCreation{}, mustDecodeJSON(t, body), "body %q", body)
		}
	})

	t.Run("dictionary values", func(t *testing.T) {
		b := mustDecodeJSON(t, edit(t, sample, `"display_number_check": ["D"]`, `"display_number_check": null, "empty": [], "mixed": [null, 5, "x"]`, 1))
		attributes := b.CustData[0].Customer.Customer.CustomerStatus.ServiceFeatures[0].ServiceAttributes
		assert.Equal(t, map[string][]string{
			"centrex":              {"12025550100"},
			"display_number_check": nil,
			"empty":                {},
			"mixed":                {"", "5", "x"},
		}, attributes)
	})
}

// The JSON forms of nil and empty elements give the same outcome as XML.
func TestDecodeJSONNullAndEmpty(t *testing.T) {
	sample := readSample(t, sampleJSONFile)
	const iparent = `"ICustomer": 0,
          "IParent": 0,`

	t.Run("null License is an omitted License", func(t *testing.T) {
		withNull := mustDecodeJSON(t, edit(t, sample, `"ResellerID": 4512,
  "License": "`+sampleLicense+`",`, `"ResellerID": 4512,
  "License": null,`, 1))
		omitted := mustDecodeJSON(t, edit(t, sample, `"ResellerID": 4512,
  "License": "`+sampleLicense+`",`, `"ResellerID": 4512,`, 1))

		assert.Equal(t, omitted, withNull)
		assert.Equal(t, "", withNull.License)
	})

	t.Run("null and empty Password are unset", func(t *testing.T) {
		body := edit(t, sample, `"Password": "Vq8#tR2m!Lk5wZ"`, `"Password": null`, 1)
		body = edit(t, body, `"Password": "Hs3$pX9c@Nd7qE"`, `"Password": ""`, 1)
		accounts := mustDecodeJSON(t, body).CustData[0].Account.AccountRequest.AccountsToCreate

		assert.Equal(t, "", accounts[0].Password)
		assert.Equal(t, "", accounts[1].Password)
	})

	t.Run("same DTO as XML nil", func(t *testing.T) {
		xmlBody := readSample(t, sampleXMLFile)
		xmlBody = edit(t, xmlBody, "<d5p1:Password>Vq8#tR2m!Lk5wZ</d5p1:Password>", `<d5p1:Password i:nil="true" />`, 1)
		jsonBody := edit(t, sample, `"Password": "Vq8#tR2m!Lk5wZ"`, `"Password": null`, 1)
		assert.Equal(t, mustDecodeXML(t, xmlBody), mustDecodeJSON(t, jsonBody))
	})

	tests := []struct {
		name      string
		give      string
		wantField string
		wantParts []string
	}{
		{
			name:      "null IParent",
			give:      edit(t, sample, iparent, `"ICustomer": 0, "IParent": null,`, 1),
			wantField: "CustData[0].Customer.Customer.IParent",
			wantParts: []string{"null", "integer"},
		},
		{
			name:      "empty IParent",
			give:      edit(t, sample, iparent, `"ICustomer": 0, "IParent": "",`, 1),
			wantField: "CustData[0].Customer.Customer.IParent",
			wantParts: []string{"empty", "integer"},
		},
		{
			name:      "null bool",
			give:      edit(t, sample, `"UmEnabled": true`, `"UmEnabled": null`, 1),
			wantField: "CustData[0].Account.AccountRequest.DefaultValues.UmEnabled",
			wantParts: []string{"null", "boolean"},
		},
		{
			name:      "null decimal",
			give:      edit(t, sample, `"CreditLimit": 250.00`, `"CreditLimit": null`, 1),
			wantField: "CustData[0].Account.AccountRequest.DefaultValues.CreditLimit",
			wantParts: []string{"null", "decimal"},
		},
		{
			name:      "null enum",
			give:      edit(t, sample, `"BillingModel": "Credit"`, `"BillingModel": null`, 1),
			wantField: "CustData[0].Account.AccountRequest.DefaultValues.BillingModel",
			wantParts: []string{"null", "ReChargeVoucher, Debit, Credit"},
		},
		{
			name:      "null list item",
			give:      edit(t, sample, `"CustData": [`, `"CustData": [null,`, 1),
			wantField: "CustData[0]",
			wantParts: []string{"null"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := wire.DecodeJSON(strings.NewReader(tt.give))
			requireDecodeError(t, err, tt.wantField, tt.wantParts...)
		})
	}
}

func TestDecodeJSONErrors(t *testing.T) {
	sample := readSample(t, sampleJSONFile)
	const defaults = "CustData[0].Account.AccountRequest.DefaultValues."
	tests := []struct {
		name      string
		give      string
		wantField string
		wantParts []string
	}{
		{
			name:      "malformed",
			give:      edit(t, sample, `"ProductID": 1201,`, `"ProductID": 1201,,`, 1),
			wantField: "",
			wantParts: []string{"malformed JSON", "byte offset"},
		},
		{
			name:      "truncated",
			give:      sample[:200],
			wantField: "CustData[0].Customer.Customer.CustomerAddress",
			wantParts: []string{"ends early"},
		},
		{
			name:      "array body",
			give:      "[]",
			wantField: "",
			wantParts: []string{"a list", "expected a JSON object"},
		},
		{
			name:      "string body",
			give:      `"x"`,
			wantField: "",
			wantParts: []string{"a string", "expected a JSON object"},
		},
		{
			name:      "trailing data",
			give:      sample + "{}",
			wantField: "",
			wantParts: []string{"after the JSON object"},
		},
		{
			name:      "duplicate key",
			give:      edit(t, sample, `"ProductID": 1201,`, `"ProductID": 1201, "productId": 1,`, 1),
			wantField: "ProductID",
			wantParts: []string{"appears twice"},
		},
		{
			name:      "duplicate dictionary key",
			give:      edit(t, sample, `"display_number_check": ["D"]`, `"centrex": ["D"]`, 1),
			wantField: `CustData[0].Customer.Customer.CustomerStatus.ServiceFeatures[0].ServiceAttributes["centrex"]`,
			wantParts: []string{"appears twice"},
		},
		{
			name:      "unknown enum",
			give:      edit(t, sample, `"BillingModel": "Credit"`, `"BillingModel": "Prepaid"`, 1),
			wantField: defaults + "BillingModel",
			wantParts: []string{`"Prepaid"`, "ReChargeVoucher, Debit, Credit"},
		},
		{
			name:      "number for enum",
			give:      edit(t, sample, `"BillingModel": "Credit"`, `"BillingModel": 1`, 1),
			wantField: defaults + "BillingModel",
			wantParts: []string{"a number"},
		},
		{
			name:      "fraction for integer",
			give:      edit(t, sample, `"ITimeZone": 110,`, `"ITimeZone": 110.5,`, 1),
			wantField: "CustData[0].Customer.Customer.Preferences.ITimeZone",
			wantParts: []string{"not an integer"},
		},
		{
			name:      "exponent for decimal",
			give:      edit(t, sample, `"CreditLimit": 250.00`, `"CreditLimit": 2.5e2`, 1),
			wantField: defaults + "CreditLimit",
			wantParts: []string{"no exponent"},
		},
		{
			name:      "string for bool",
			give:      edit(t, sample, `"UmEnabled": true`, `"UmEnabled": "true"`, 1),
			wantField: defaults + "UmEnabled",
			wantParts: []string{"a boolean", "got a string"},
		},
		{
			name:      "bool for string",
			give:      edit(t, sample, `"AliasNumber": "12025550100"`, `"AliasNumber": true`, 1),
			wantField: "CustData[0].AliasNumber",
			wantParts: []string{"a string", "got a boolean"},
		},
		{
			name:      "string for object",
			give:      edit(t, sample, `"DiallingRule": {`, `"DiallingRule": "x", "Other": {`, 1),
			wantField: "CustData[0].Customer.Customer.Preferences.DiallingRule",
			wantParts: []string{"an object", "got a string"},
		},
		{
			name:      "object for list",
			give:      edit(t, sample, `"AccountsToCreate": [`, `"AccountsToCreate": {}, "Other": [`, 1),
			wantField: "CustData[0].Account.AccountRequest.AccountsToCreate",
			wantParts: []string{"a list", "got an object"},
		},
		{
			name:      "string list item",
			give:      edit(t, sample, `"CustData": [`, `"CustData": ["x",`, 1),
			wantField: "CustData[0]",
			wantParts: []string{"a string"},
		},
		{
			name:      "string dictionary value",
			give:      edit(t, sample, `"display_number_check": ["D"]`, `"display_number_check": "D"`, 1),
			wantField: `CustData[0].Customer.Customer.CustomerStatus.ServiceFeatures[0].ServiceAttributes["display_number_check"]`,
			wantParts: []string{"list of strings"},
		},
		{
			name:      "deep nesting",
			give:      `{"Extra":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + "}",
			wantField: "Extra",
			wantParts: []string{"nested more than 64"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := wire.DecodeJSON(strings.NewReader(tt.give))
			requireDecodeError(t, err, tt.wantField, tt.wantParts...)
		})
	}
}

// json.Marshal writes the contract's JSON shape, which DecodeJSON and
// json.Unmarshal read back to the same DTO.
func TestMarshalJSONRoundTrip(t *testing.T) {
	for _, name := range []string{sampleXMLFile, placeholderFile} {
		t.Run(name, func(t *testing.T) {
			b := mustDecodeXML(t, readSample(t, name))
			b.BaseLicense = "" // JSON has no key for it; see TestMarshalJSONLicense
			data, err := json.Marshal(b)
			require.NoError(t, err)

			assert.Equal(t, b, mustDecodeJSON(t, string(data)))
			var std wire.BatchCustomerCreation
			require.NoError(t, json.Unmarshal(data, &std))
			assert.Equal(t, b, &std)
		})
	}

	t.Run("a row alone", func(t *testing.T) {
		row := sampleRow0()
		data, err := json.Marshal(row)
		require.NoError(t, err)
		var back wire.CsvData
		require.NoError(t, json.Unmarshal(data, &back))
		assert.Equal(t, row, back)
	})
}

func TestMarshalJSONShape(t *testing.T) {
	b := mustDecodeXML(t, readSample(t, sampleXMLFile))
	data, err := json.Marshal(b)
	require.NoError(t, err)
	text := string(data)

	assert.True(t, strings.HasPrefix(text, `{"CustData":[{"Account":{"AccountRequest":{"AccountRandomDigitLength":0,"AccountsToCreate":[`), text[:120])
	assert.True(t, strings.HasSuffix(text, `,"License":"`+sampleLicense+`","ProductID":1201,"ResellerID":4512,"ContentId":0,"FeatureName":"BatchCustomerCreation"}`), "base members last")
	assert.Contains(t, text, `"AccountRequest":{`)
	assert.Contains(t, text, `},"ContentId":0,"FeatureName":"CreateAccount","License":"`+sampleLicense+`"}`)
	assert.Contains(t, text, `"countryCode":1,"i_spendingPlan":0`)
	assert.Contains(t, text, `"CreditLimit":250.00,`, "decimals are numbers that keep their scale")
	assert.Contains(t, text, `"BillingModel":"Credit"`)
	assert.Contains(t, text, `"ServiceAttributes":{"centrex":["12025550100"],"display_number_check":["D"]}`)
	assert.Contains(t, text, `"ServiceFeatures":[]`, "an empty list stays a list")
	assert.NotContains(t, text, `"BaseLicense"`)
	assert.NotContains(t, text, `"CountryCode"`)
	assert.NotContains(t, text, `null`)
	assert.Contains(t, text, `"CustomerAddress":{"Address1":"100 Example Avenue NW","Address2":"Suite 200",`+
		`"City":"Washington","Country":"US","Postcode":"20001","Region":"DC"}`, "unset strings are left out")
}

func TestMarshalJSONLicense(t *testing.T) {
	tests := []struct {
		name        string
		base        string
		own         string
		wantLicense string
	}{
		{"own only", "", "own", "own"},
		{"base only", "base", "", "base"},
		{"both", "base", "own", "own"},
		{"neither", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := json.Marshal(wire.BatchCustomerCreation{BaseLicense: tt.base, License: tt.own})
			require.NoError(t, err)
			back := mustDecodeJSON(t, string(data))

			assert.Equal(t, tt.wantLicense, back.License)
			assert.Equal(t, "", back.BaseLicense)
		})
	}
}
