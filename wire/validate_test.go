package wire_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portaplus2/batchcustomers/wire"
)

// problem is a FieldError without its message, for compact expectations.
type problem struct {
	code  string
	field string
}

func problems(errs []wire.FieldError) []problem {
	var out []problem
	for _, e := range errs {
		out = append(out, problem{e.ErrorCode, e.FieldName})
	}
	return out
}

const (
	row0Accounts = "CustData[0].Account.AccountRequest.AccountsToCreate"
	row2Accounts = "CustData[2].Account.AccountRequest.AccountsToCreate"
	row2Info     = "CustData[2].Customer.Customer.PersonalInformation"
)

func TestValidateSample(t *testing.T) {
	for _, name := range []string{sampleXMLFile, sampleJSONFile} {
		var b *wire.BatchCustomerCreation
		if strings.HasSuffix(name, ".json") {
			b = mustDecodeJSON(t, readSample(t, name))
		} else {
			b = mustDecodeXML(t, readSample(t, name))
		}
		assert.Nil(t, wire.Validate(b, wire.ValidateOptions{MaxCustomers: 3}), name)
	}
}

func TestValidate(t *testing.T) {
	sample := readSample(t, sampleXMLFile)
	tests := []struct {
		name        string
		opts        wire.ValidateOptions
		mutate      func(b *wire.BatchCustomerCreation)
		want        []problem
		wantMessage []string // parts of the first error's message
	}{
		{
			name:        "empty CustData",
			mutate:      func(b *wire.BatchCustomerCreation) { b.CustData = nil },
			want:        []problem{{wire.CodeNotEmpty, "CustData"}},
			wantMessage: []string{"at least one customer"},
		},
		{
			name:        "too many customers",
			opts:        wire.ValidateOptions{MaxCustomers: 2},
			mutate:      func(b *wire.BatchCustomerCreation) {},
			want:        []problem{{wire.CodeTooLong, "CustData"}},
			wantMessage: []string{"3 customers", "maximum of 2"},
		},
		{
			name:   "no AccountRequest",
			mutate: func(b *wire.BatchCustomerCreation) { b.CustData[1].Account = nil },
			want:   []problem{{wire.CodeNotEmpty, "CustData[1].Account.AccountRequest"}},
		},
		{
			name:   "no Customer",
			mutate: func(b *wire.BatchCustomerCreation) { b.CustData[1].Customer.Customer = nil },
			want:   []problem{{wire.CodeNotEmpty, "CustData[1].Customer.Customer"}},
		},
		{
			name:   "no accounts",
			mutate: func(b *wire.BatchCustomerCreation) { b.CustData[1].Account.AccountRequest.AccountsToCreate = nil },
			want:   []problem{{wire.CodeNotEmpty, "CustData[1].Account.AccountRequest.AccountsToCreate"}},
		},
		{
			name:        "Index twice in a row",
			mutate:      func(b *wire.BatchCustomerCreation) { account(b, 0, 1).Index = 0 },
			want:        []problem{{wire.CodeDuplicate, row0Accounts + "[1].Index"}},
			wantMessage: []string{"Index 0 appears twice", row0Accounts + "[0].Index"},
		},
		{
			name:   "no customer name",
			mutate: func(b *wire.BatchCustomerCreation) { info(b, 2).Name = "  " },
			want:   []problem{{wire.CodeNotEmpty, row2Info + ".Name"}},
		},
		{
			name:   "no PersonalInformation",
			mutate: func(b *wire.BatchCustomerCreation) { b.CustData[2].Customer.Customer.PersonalInformation = nil },
			want:   []problem{{wire.CodeNotEmpty, row2Info + ".Name"}},
		},
		{
			name:        "customer name twice",
			mutate:      func(b *wire.BatchCustomerCreation) { info(b, 2).Name = " example DENTAL studio" },
			want:        []problem{{wire.CodeDuplicate, row2Info + ".Name"}},
			wantMessage: []string{`" example DENTAL studio"`, "CustData[0].Customer.Customer.PersonalInformation.Name"},
		},
		{
			name:        "login twice",
			mutate:      func(b *wire.BatchCustomerCreation) { info(b, 2).Login = "SampleLogistics" },
			want:        []problem{{wire.CodeDuplicate, row2Info + ".Login"}},
			wantMessage: []string{"CustData[1].Customer.Customer.PersonalInformation.Login"},
		},
		{
			name: "empty logins are not duplicates",
			mutate: func(b *wire.BatchCustomerCreation) {
				info(b, 0).Login = ""
				info(b, 2).Login = ""
			},
		},
		{
			name: "no currency",
			mutate: func(b *wire.BatchCustomerCreation) {
				b.CustData[1].Customer.Customer.CustomerStatus.ISO4217 = ""
				b.CustData[1].Customer.CustomerDefaultValues.ISO4217 = ""
			},
			want:        []problem{{wire.CodeNotEmpty, "CustData[1].Customer.Customer.CustomerStatus.ISO4217"}},
			wantMessage: []string{"ISO4217 is required"},
		},
		{
			name: "currency from the defaults",
			mutate: func(b *wire.BatchCustomerCreation) {
				b.CustData[1].Customer.Customer.CustomerStatus = nil
				b.CustData[1].Customer.CustomerDefaultValues.ISO4217 = "EUR"
			},
		},
		{
			name:        "lower-case currency",
			mutate:      func(b *wire.BatchCustomerCreation) { b.CustData[1].Customer.Customer.CustomerStatus.ISO4217 = "gbp" },
			want:        []problem{{wire.CodeInvalid, "CustData[1].Customer.Customer.CustomerStatus.ISO4217"}},
			wantMessage: []string{`"gbp"`, "three capital letters"},
		},
		{
			name: "invalid default currency",
			mutate: func(b *wire.BatchCustomerCreation) {
				b.CustData[1].Customer.Customer.CustomerStatus.ISO4217 = ""
				b.CustData[1].Customer.CustomerDefaultValues.ISO4217 = "EURO"
			},
			want: []problem{{wire.CodeInvalid, "CustData[1].Customer.CustomerDefaultValues.ISO4217"}},
		},
		{
			name:   "no product",
			mutate: func(b *wire.BatchCustomerCreation) { b.ProductID = 0 },
			want: []problem{
				{wire.CodeNotEmpty, "CustData[0].Account.AccountRequest.DefaultValues.ProductId"},
				{wire.CodeNotEmpty, "CustData[2].Account.AccountRequest.DefaultValues.ProductId"},
			},
			wantMessage: []string{"DefaultValues.ProductId", "ProductID"},
		},
		{
			name:        "no account id",
			mutate:      func(b *wire.BatchCustomerCreation) { account(b, 0, 1).AcntId = "" },
			want:        []problem{{wire.CodeNotEmpty, row0Accounts + "[1].AcntId"}},
			wantMessage: []string{"AcntId", "AccountId", "AccountPrefix"},
		},
		{
			name: "AccountId of a two-account row",
			mutate: func(b *wire.BatchCustomerCreation) {
				account(b, 0, 1).AcntId = ""
				b.CustData[0].Account.AccountRequest.AccountId = "12025550199"
			},
			want: []problem{{wire.CodeNotEmpty, row0Accounts + "[1].AcntId"}},
		},
		{
			name: "AccountId of a one-account row",
			mutate: func(b *wire.BatchCustomerCreation) {
				account(b, 1, 0).AcntId = ""
				b.CustData[1].Account.AccountRequest.AccountId = "12025550101"
			},
			want:        []problem{{wire.CodeDuplicate, "CustData[1].Account.AccountRequest.AccountId"}},
			wantMessage: []string{"12025550101", row0Accounts + "[0].AcntId"},
		},
		{
			name: "generated ids",
			mutate: func(b *wire.BatchCustomerCreation) {
				account(b, 0, 0).AcntId = ""
				account(b, 0, 1).AcntId = ""
				b.CustData[0].Account.AccountRequest.AccountPrefix = "EXD"
				b.CustData[0].Account.AccountRequest.AccountRandomDigitLength = 8
			},
		},
		{
			name: "generated id too long",
			mutate: func(b *wire.BatchCustomerCreation) {
				account(b, 0, 0).AcntId = ""
				account(b, 0, 1).AcntId = ""
				b.CustData[0].Account.AccountRequest.AccountPrefix = strings.Repeat("p", 50)
				b.CustData[0].Account.AccountRequest.AccountRandomDigitLength = 15
			},
			want:        []problem{{wire.CodeTooLong, "CustData[0].Account.AccountRequest.AccountPrefix"}},
			wantMessage: []string{"65-character", "maximum of 64"},
		},
		{
			name: "too many random digits",
			mutate: func(b *wire.BatchCustomerCreation) {
				account(b, 1, 0).AcntId = ""
				b.CustData[1].Account.AccountRequest.AccountRandomDigitLength = 19
			},
			want: []problem{
				{wire.CodeInvalid, "CustData[1].Account.AccountRequest.AccountRandomDigitLength"},
				{wire.CodeNotEmpty, "CustData[1].Account.AccountRequest.AccountsToCreate[0].AcntId"},
			},
		},
		{
			name: "negative random digits",
			mutate: func(b *wire.BatchCustomerCreation) {
				b.CustData[1].Account.AccountRequest.AccountRandomDigitLength = -1
			},
			want: []problem{{wire.CodeInvalid, "CustData[1].Account.AccountRequest.AccountRandomDigitLength"}},
		},
		{
			name:        "account id too long",
			mutate:      func(b *wire.BatchCustomerCreation) { account(b, 2, 1).AcntId = strings.Repeat("1", 65) },
			want:        []problem{{wire.CodeTooLong, row2Accounts + "[1].AcntId"}},
			wantMessage: []string{"65 characters"},
		},
		{
			name:        "account id twice",
			mutate:      func(b *wire.BatchCustomerCreation) { account(b, 2, 0).AcntId = "12025550101" },
			want:        []problem{{wire.CodeDuplicate, row2Accounts + "[0].AcntId"}},
			wantMessage: []string{"account id 12025550101 appears twice", row0Accounts + "[0].AcntId"},
		},
		{
			name:        "alias equal to an account id",
			mutate:      func(b *wire.BatchCustomerCreation) { b.CustData[1].AliasNumber = "+1 (202) 555-0101" },
			want:        []problem{{wire.CodeDuplicate, "CustData[1].AliasNumber"}},
			wantMessage: []string{"alias number 12025550101", "account id at " + row0Accounts + "[0].AcntId"},
		},
		{
			name:        "account id equal to an earlier alias",
			mutate:      func(b *wire.BatchCustomerCreation) { account(b, 2, 0).AcntId = "12025550100" },
			want:        []problem{{wire.CodeDuplicate, row2Accounts + "[0].AcntId"}},
			wantMessage: []string{"alias number at CustData[0].AliasNumber"},
		},
		{
			name:   "alias twice",
			mutate: func(b *wire.BatchCustomerCreation) { b.CustData[2].AliasNumber = "12025550100" },
			want:   []problem{{wire.CodeDuplicate, "CustData[2].AliasNumber"}},
		},
		{
			name:        "alias not a number",
			mutate:      func(b *wire.BatchCustomerCreation) { b.CustData[2].AliasNumber = "1202555015x" },
			want:        []problem{{wire.CodeInvalid, "CustData[2].AliasNumber"}},
			wantMessage: []string{`"1202555015x"`, "digits"},
		},
		{
			name:        "alias too long",
			mutate:      func(b *wire.BatchCustomerCreation) { b.CustData[2].AliasNumber = "+" + strings.Repeat("9", 64) },
			want:        []problem{{wire.CodeTooLong, "CustData[2].AliasNumber"}},
			wantMessage: []string{"64 digits", "maximum of 63"},
		},
		{
			name:   "display number not a number",
			mutate: func(b *wire.BatchCustomerCreation) { b.CustData[0].DisplayNumber = "main line" },
			want:   []problem{{wire.CodeInvalid, "CustData[0].DisplayNumber"}},
		},
		{
			name:   "ExtensionNo not a number",
			mutate: func(b *wire.BatchCustomerCreation) { b.CustData[1].ExtensionNo = "2OO" },
			want:   []problem{{wire.CodeInvalid, "CustData[1].ExtensionNo"}},
		},
		{
			name:   "Extension not a number",
			mutate: func(b *wire.BatchCustomerCreation) { account(b, 2, 1).Extension = "ext 302" },
			want:   []problem{{wire.CodeInvalid, row2Accounts + "[1].Extension"}},
		},
		{
			name:        "ExtensionNo and primary Extension differ",
			mutate:      func(b *wire.BatchCustomerCreation) { b.CustData[0].ExtensionNo = "109" },
			want:        []problem{{wire.CodeConflict, "CustData[0].ExtensionNo"}},
			wantMessage: []string{"109", "101", row0Accounts + "[0].Extension"},
		},
		{
			name:   "ExtensionNo equal to primary Extension",
			mutate: func(b *wire.BatchCustomerCreation) { b.CustData[0].ExtensionNo = "(101)" },
		},
		{
			name:   "primary account is the lowest Index",
			mutate: func(b *wire.BatchCustomerCreation) { account(b, 0, 0).Index = 5; b.CustData[0].ExtensionNo = "102" },
		},
		{
			name:        "Extension twice in a row",
			mutate:      func(b *wire.BatchCustomerCreation) { account(b, 2, 1).Extension = "301" },
			want:        []problem{{wire.CodeDuplicate, row2Accounts + "[1].Extension"}},
			wantMessage: []string{"extension 301", row2Accounts + "[0].Extension"},
		},
		{
			name: "ExtensionNo equal to another account's Extension",
			mutate: func(b *wire.BatchCustomerCreation) {
				account(b, 0, 0).Extension = ""
				b.CustData[0].ExtensionNo = "102"
			},
			want:        []problem{{wire.CodeDuplicate, "CustData[0].ExtensionNo"}},
			wantMessage: []string{row0Accounts + "[1].Extension"},
		},
		{
			name:   "same Extension in two customers",
			mutate: func(b *wire.BatchCustomerCreation) { account(b, 2, 0).Extension = "101" },
		},
		{
			name: "activation dates",
			mutate: func(b *wire.BatchCustomerCreation) {
				account(b, 0, 0).ActivationDate = "2025-07-01T09:30:00Z"
				account(b, 0, 1).ActivationDate = "2025-07-01T09:30:00.1234567+02:00"
				account(b, 1, 0).ActivationDate = ""
				account(b, 2, 0).ActivationDate = "2025-07-01T09:30"
				account(b, 2, 1).ActivationDate = "2025-07-01T09:30:15.5"
			},
		},
		{
			name: "invalid activation dates",
			mutate: func(b *wire.BatchCustomerCreation) {
				account(b, 0, 1).ActivationDate = "01/07/2025"
				account(b, 2, 0).ActivationDate = "2025-13-01"
			},
			want: []problem{
				{wire.CodeInvalid, row0Accounts + "[1].ActivationDate"},
				{wire.CodeInvalid, row2Accounts + "[0].ActivationDate"},
			},
			wantMessage: []string{`"01/07/2025"`, "YYYY-MM-DD"},
		},
		{
			name: "negative ids",
			mutate: func(b *wire.BatchCustomerCreation) {
				b.ContentId = -1 // no billing meaning, so any value passes
				b.ResellerID = -4512
				b.CustData[0].Customer.Customer.IParent = -1
				b.CustData[1].Account.AccountRequest.DefaultValues.ProductId = -1207
				b.CustData[1].Customer.CustomerDefaultValues.ISpendingPlan = -3
				b.CustData[1].Customer.Customer.Preferences.DiallingRule.IA = -1
			},
			want: []problem{
				{wire.CodeInvalid, "CustData[0].Customer.Customer.IParent"},
				{wire.CodeInvalid, "CustData[1].Account.AccountRequest.DefaultValues.ProductId"},
				{wire.CodeInvalid, "CustData[1].Customer.CustomerDefaultValues.i_spendingPlan"},
				{wire.CodeInvalid, "ResellerID"},
			},
			wantMessage: []string{"IParent -1 is negative"},
		},
		{
			name: "unknown enum values",
			mutate: func(b *wire.BatchCustomerCreation) {
				b.CustData[0].Account.AccountRequest.DefaultValues.BillingModel = "Prepaid"
				b.CustData[0].Account.AccountRequest.DefaultValues.RTPProxy = "direct"
				b.CustData[0].Account.AccountRequest.DefaultValues.DefaultAnsweringMode = "Accept"
				b.CustData[0].Customer.CustomerDefaultValues.RTPProxy = "Sometimes"
				b.CustData[0].Customer.Customer.Preferences.SendInvoices = "Yes"
				b.CustData[0].Customer.Customer.Preferences.SendStatistics = "X"
			},
			want: []problem{
				{wire.CodeUnknownValue, "CustData[0].Account.AccountRequest.DefaultValues.BillingModel"},
				{wire.CodeUnknownValue, "CustData[0].Account.AccountRequest.DefaultValues.DefaultAnsweringMode"},
				{wire.CodeUnknownValue, "CustData[0].Account.AccountRequest.DefaultValues.RTPProxy"},
				{wire.CodeUnknownValue, "CustData[0].Customer.Customer.Preferences.SendInvoices"},
				{wire.CodeUnknownValue, "CustData[0].Customer.Customer.Preferences.SendStatistics"},
				{wire.CodeUnknownValue, "CustData[0].Customer.CustomerDefaultValues.RTPProxy"},
			},
			wantMessage: []string{`"Prepaid"`, "ReChargeVoucher, Debit, Credit"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := mustDecodeXML(t, sample)
			tt.mutate(b)
			errs := wire.Validate(b, tt.opts)

			assert.Equal(t, tt.want, problems(errs))
			for _, part := range tt.wantMessage {
				require.NotEmpty(t, errs)
				assert.Contains(t, errs[0].Message, part)
			}
		})
	}
}

// Errors come in document order whatever order the checks run in.
func TestValidateDocumentOrder(t *testing.T) {
	b := mustDecodeXML(t, readSample(t, sampleXMLFile))
	b.ProductID = -1
	b.CustData[2].Customer.Customer.PersonalInformation.Login = "exampledental"
	b.CustData[2].AliasNumber = "x"
	account(b, 2, 1).AcntId = "12025550151"
	b.CustData[0].Customer.Customer.CustomerStatus.ISO4217 = "US"
	b.CustData[0].Account.AccountRequest.AccountsToCreate[0].Index = 1

	assert.Equal(t, []problem{
		{wire.CodeDuplicate, row0Accounts + "[1].Index"},
		{wire.CodeInvalid, "CustData[0].Customer.Customer.CustomerStatus.ISO4217"},
		{wire.CodeDuplicate, row2Accounts + "[1].AcntId"},
		{wire.CodeInvalid, "CustData[2].AliasNumber"},
		{wire.CodeDuplicate, row2Info + ".Login"},
		{wire.CodeInvalid, "ProductID"},
	}, problems(wire.Validate(b, wire.ValidateOptions{})))
}

func TestValidateNilBatch(t *testing.T) {
	assert.Equal(t, []problem{{wire.CodeNotEmpty, "CustData"}}, problems(wire.Validate(nil, wire.ValidateOptions{})))
}

func account(b *wire.BatchCustomerCreation, row, i int) *wire.AccountInformation {
	return &b.CustData[row].Account.AccountRequest.AccountsToCreate[i]
}

func info(b *wire.BatchCustomerCreation, row int) *wire.PersonalInformation {
	return b.CustData[row].Customer.Customer.PersonalInformation
}
