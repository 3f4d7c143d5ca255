package wire_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/portaplus2/batchcustomers/wire"
)

const (
	sampleXMLFile    = "batch-3-customers.xml"
	sampleJSONFile   = "batch-3-customers.json"
	sampleSOAP12File = "batch-3-customers.soap12.xml"
	placeholderFile  = "metadata-placeholder.xml"

	sampleLicense = "PP2-LIC-7F3A-91C4-EXAMPLE"
)

// readSample returns a file of the repository's samples folder.
func readSample(t testing.TB, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "samples", name))
	require.NoError(t, err)
	return string(data)
}

// edit replaces the first n occurrences of old in s and fails the test when
// s has fewer, so that a sample change cannot turn a test into a no-op.
func edit(t testing.TB, s, old, replacement string, n int) string {
	t.Helper()
	require.GreaterOrEqual(t, strings.Count(s, old), n, "the sample no longer contains %q", old)
	return strings.Replace(s, old, replacement, n)
}

func mustDecodeXML(t testing.TB, body string) *wire.BatchCustomerCreation {
	t.Helper()
	b, err := wire.DecodeXML(strings.NewReader(body))
	require.NoError(t, err)
	return b
}

func mustDecodeJSON(t testing.TB, body string) *wire.BatchCustomerCreation {
	t.Helper()
	b, err := wire.DecodeJSON(strings.NewReader(body))
	require.NoError(t, err)
	return b
}

// requireDecodeError checks that err is a *wire.DecodeError for field whose
// message contains every one of parts.
func requireDecodeError(t testing.TB, err error, field string, parts ...string) {
	t.Helper()
	require.Error(t, err)
	var de *wire.DecodeError
	require.ErrorAs(t, err, &de)
	require.Equal(t, field, de.Field, "field path; message: %s", de.Message)
	for _, part := range parts {
		require.Contains(t, de.Message, part)
	}
}

func dec(s string) decimal.Decimal {
	return decimal.RequireFromString(s)
}

// sampleRow0 is the first row of batch-3-customers, written out member by
// member from the XML sample; members the sample sends as i:nil are left out.
func sampleRow0() wire.CsvData {
	return wire.CsvData{
		Account: &wire.CreateAccount{
			FeatureName: "CreateAccount",
			License:     sampleLicense,
			AccountRequest: &wire.AccountRequest{
				AccountsToCreate: []wire.AccountInformation{
					{
						AcntId:         "12025550101",
						ActivationDate: "2025-07-01",
						Email:          "alice@example.com",
						Extension:      "101",
						FirstName:      "Alice",
						Index:          0,
						Label:          "Reception",
						LastName:       "Example",
						Password:       "Vq8#tR2m!Lk5wZ",
					},
					{
						AcntId:         "12025550102",
						ActivationDate: "2025-07-01",
						Email:          "bob@example.com",
						Extension:      "102",
						FirstName:      "Bob",
						Index:          1,
						Label:          "Treatment room",
						LastName:       "Example",
						Password:       "Hs3$pX9c@Nd7qE",
					},
				},
				DefaultValues: &wire.DefaultValues{
					BCC:                  "billing@example.com",
					BatchNamePrefix:      "EXDENT",
					BillingModel:         wire.BillingModelCredit,
					CreditLimit:          dec("250.00"),
					DefaultAnsweringMode: wire.DefaultAnsweringModeReject,
					FollowMeEnabled:      true,
					ITimeZone:            110,
					IVRLanguage:          "en",
					OutDateTimeFormat:    "YYYY-MM-DD HH24:MI:SS",
					RTPProxy:             wire.RTPProxyDirect,
					ServiceFeatures: []wire.PortaServiceFeature{{
						FlagValue:         "Y",
						Name:              "cli",
						ServiceAttributes: map[string][]string{"display_name_override": {"Y"}},
					}},
					UmEnabled: true,
				},
			},
		},
		AliasNumber: "12025550100",
		Customer: &wire.CreateCustomer{
			FeatureName: "CreateCustomer",
			License:     sampleLicense,
			Customer: &wire.Customer{
				CustomerAddress: &wire.CustomerAddress{
					Address1: "100 Example Avenue NW",
					Address2: "Suite 200",
					City:     "Washington",
					Country:  "US",
					Postcode: "20001",
					Region:   "DC",
				},
				CustomerContact: &wire.CustomerContact{
					BCC:      "billing@example.com",
					Contact1: "Alice Example",
					Contact2: "Bob Example",
					Email:    "office@example.com",
					Phone1:   "+1 202 555 0100",
					Phone2:   "+1 202 555 0199",
				},
				CustomerStatus: &wire.CustomerStatus{
					Balance:        dec("0"),
					CreditLimit:    dec("500.00"),
					DiscountRate:   dec("0"),
					ISO4217:        "USD",
					OpeningBalance: dec("0.00"),
					ServiceFeatures: []wire.PortaServiceFeature{{
						FlagValue: "Y",
						Name:      "cli",
						ServiceAttributes: map[string][]string{
							"centrex":              {"12025550100"},
							"display_number_check": {"D"},
						},
					}},
				},
				Notes: "Two-seat dental practice; main number 202-555-0100.",
				PersonalInformation: &wire.PersonalInformation{
					Company:    "Example Dental Studio LLC",
					FirstName:  "Alice",
					LastName:   "Example",
					Login:      "exampledental",
					Name:       "Example Dental Studio",
					Password:   "Cq7!vR4t-Wm2z",
					Salutation: "Dr.",
					TaxId:      "00-0000001",
				},
				Preferences: &wire.Preferences{
					CustomerType: 1,
					DiallingRule: &wire.DiallingRule{
						AC: "202",
						CC: "1",
						EM: "911",
						IP: "011",
						NL: 10,
						OP: "9",
					},
					ITimeZone:            110,
					IUITimeZone:          110,
					InDateFormat:         "YYYY-MM-DD",
					InTimeFormat:         "HH24:MI:SS",
					MaxAbbreviatedLength: 3,
					OutDateFormat:        "MM/DD/YYYY",
					OutDateTimeFormat:    "MM/DD/YYYY HH24:MI:SS",
					OutTimeFormat:        "HH24:MI:SS",
					SendInvoices:         "Y",
					SendStatistics:       "S",
				},
			},
			CustomerDefaultValues: &wire.CustomerDefaultValues{
				CreditLimit:           dec("500.00"),
				IBillingPeriod:        4,
				ICountry:              "US",
				ICustomerClass:        12,
				ICustomerType:         1,
				ILang:                 "en",
				ISO4217:               "USD",
				ITimeZone:             110,
				MaxAbbreviatedLength:  3,
				PaymentCommissionRate: dec("0"),
				PromotionalCredit:     dec("0"),
				RTPProxy:              wire.RTPProxyDirect,
				SaleCommissionRate:    dec("0"),
				SendStatistics:        true,
				CountryCode:           1,
			},
		},
		DisplayName:   "Example Dental",
		DisplayNumber: "12025550100",
		ExtensionNo:   "101",
	}
}

// requireSampleBatch checks a decoded batch-3-customers: the root and row 0
// member by member, and the members of rows 1 and 2 that billing uses.
func requireSampleBatch(t *testing.T, b *wire.BatchCustomerCreation) {
	t.Helper()
	require.Len(t, b.CustData, 3)
	require.Equal(t, int64(0), b.ContentId)
	require.Equal(t, "BatchCustomerCreation", b.FeatureName)
	require.Equal(t, "", b.BaseLicense)
	require.Equal(t, sampleLicense, b.License)
	require.Equal(t, int64(1201), b.ProductID)
	require.Equal(t, int64(4512), b.ResellerID)
	require.Equal(t, sampleRow0(), b.CustData[0])

	row1 := b.CustData[1]
	require.Equal(t, "Sample Logistics Ltd", row1.Customer.Customer.PersonalInformation.Name)
	require.Equal(t, "samplelogistics", row1.Customer.Customer.PersonalInformation.Login)
	require.Equal(t, "J", row1.Customer.Customer.PersonalInformation.MiddleInitials)
	require.Equal(t, "GBP", row1.Customer.Customer.CustomerStatus.ISO4217)
	require.Equal(t, dec("50.00"), row1.Customer.Customer.CustomerStatus.OpeningBalance)
	require.Equal(t, []wire.PortaServiceFeature{}, row1.Customer.Customer.CustomerStatus.ServiceFeatures)
	require.Equal(t, "Wk4&nE8s!Qz2", row1.Customer.Customer.PersonalInformation.Password)
	require.Equal(t, "999,112", row1.Customer.Customer.Preferences.DiallingRule.EM)
	require.Equal(t, int64(44), row1.Customer.CustomerDefaultValues.CountryCode)
	require.False(t, row1.Customer.CustomerDefaultValues.SendStatistics)
	require.Len(t, row1.Account.AccountRequest.AccountsToCreate, 1)
	require.Equal(t, "447700900201", row1.Account.AccountRequest.AccountsToCreate[0].AcntId)
	require.Equal(t, "", row1.Account.AccountRequest.AccountsToCreate[0].Extension)
	require.Equal(t, int64(1207), row1.Account.AccountRequest.DefaultValues.ProductId)
	require.Equal(t, wire.BillingModelDebit, row1.Account.AccountRequest.DefaultValues.BillingModel)
	require.Equal(t, wire.RTPProxyOptimal, row1.Account.AccountRequest.DefaultValues.RTPProxy)
	require.Equal(t, "447700900200", row1.AliasNumber)
	require.Equal(t, "200", row1.ExtensionNo)

	row2 := b.CustData[2]
	require.Equal(t, "Placeholder Consulting Group", row2.Customer.Customer.PersonalInformation.Name)
	require.Equal(t, "placeholdercg", row2.Customer.Customer.PersonalInformation.Login)
	require.Equal(t, "USD", row2.Customer.Customer.CustomerStatus.ISO4217)
	require.Equal(t, "+1 202 555 0159", row2.Customer.Customer.CustomerContact.Fax)
	require.Equal(t, "Mj9^cV2x&Lp4tR", row2.Account.AccountRequest.AccountsToCreate[0].Password)
	require.Equal(t, []string{"12025550151", "12025550152"}, []string{
		row2.Account.AccountRequest.AccountsToCreate[0].AcntId,
		row2.Account.AccountRequest.AccountsToCreate[1].AcntId,
	})
	require.Equal(t, dec("150.00"), row2.Account.AccountRequest.DefaultValues.CreditLimit)
	require.Equal(t, "12025550150", row2.AliasNumber)
	require.Equal(t, "12025550150", row2.DisplayNumber)
	require.Equal(t, "", row2.ExtensionNo)
}
