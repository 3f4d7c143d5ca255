package wire_test

import (
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portaplus2/batchcustomers/wire"
)

func TestDecodeXMLSample(t *testing.T) {
	b := mustDecodeXML(t, readSample(t, sampleXMLFile))
	requireSampleBatch(t, b)
}

func TestSampleFormatsDecodeEqual(t *testing.T) {
	fromXML := mustDecodeXML(t, readSample(t, sampleXMLFile))
	fromJSON := mustDecodeJSON(t, readSample(t, sampleJSONFile))
	fromSOAP, version, err := wire.DecodeSOAP(strings.NewReader(readSample(t, sampleSOAP12File)))
	require.NoError(t, err)

	assert.Equal(t, wire.SOAP12, version)
	assert.Equal(t, fromXML, fromJSON)
	assert.Equal(t, fromXML, fromSOAP)
}

// TestDecodeXMLPlaceholder checks that every member of the metadata page's
// placeholder body arrives: strings are "String", enums their first name,
// numbers 0, lists one item and the dictionary one entry.
func TestDecodeXMLPlaceholder(t *testing.T) {
	b := mustDecodeXML(t, readSample(t, placeholderFile))

	assert.Equal(t, "", b.BaseLicense, "the base License is i:nil")
	b.BaseLicense = "String" // so that the walk below can expect "String" everywhere

	enumFirst := map[reflect.Type]string{
		reflect.TypeFor[wire.BillingModel]():         string(wire.BillingModelReChargeVoucher),
		reflect.TypeFor[wire.RTPProxy]():             string(wire.RTPProxyDirect),
		reflect.TypeFor[wire.DefaultAnsweringMode](): string(wire.DefaultAnsweringModeReject),
	}
	var walk func(v reflect.Value, path string)
	walk = func(v reflect.Value, path string) {
		switch {
		case v.Type() == reflect.TypeFor[decimal.Decimal]():
			assert.True(t, v.Interface().(decimal.Decimal).IsZero(), path)
			assert.NotEqual(t, decimal.Decimal{}, v.Interface(), "%s was not read", path)
		case v.Type() == reflect.TypeFor[map[string][]string]():
			assert.Equal(t, map[string][]string{"String": {"String"}}, v.Interface(), path)
		case enumFirst[v.Type()] != "":
			assert.Equal(t, enumFirst[v.Type()], v.String(), path)
		case v.Kind() == reflect.String:
			assert.Equal(t, "String", v.String(), path)
		case v.Kind() == reflect.Int64:
			assert.Zero(t, v.Int(), path)
		case v.Kind() == reflect.Bool:
			assert.False(t, v.Bool(), path)
		case v.Kind() == reflect.Pointer:
			if assert.False(t, v.IsNil(), "%s is nil", path) {
				walk(v.Elem(), path)
			}
		case v.Kind() == reflect.Slice:
			if assert.Equal(t, 1, v.Len(), path) {
				walk(v.Index(0), path+"[0]")
			}
		case v.Kind() == reflect.Struct:
			for i := range v.NumField() {
				walk(v.Field(i), path+"."+v.Type().Field(i).Name)
			}
		default:
			t.Errorf("%s has unexpected kind %s", path, v.Kind())
		}
	}
	walk(reflect.ValueOf(b).Elem(), "BatchCustomerCreation")
}

// Elements in another order than DataContract's decode to the same DTO.
func TestDecodeXMLAnyOrder(t *testing.T) {
	sample := readSample(t, sampleXMLFile)
	want := mustDecodeXML(t, sample)

	baseNil := "  <License i:nil=\"true\" />\n"
	accountXML := sample[strings.Index(sample, "\n      <Account>\n")+1 : strings.Index(sample, "\n      </Account>\n")+len("\n      </Account>\n")]
	loginLine := regexp.MustCompile(`\n *<d5p1:Login>[^<]*</d5p1:Login>`)
	subscriptionThenIndex := regexp.MustCompile(
		`(\n *<d5p1:ISubscription>[^<]*</d5p1:ISubscription>)(\n *<d5p1:Index>[^<]*</d5p1:Index>)`)

	tests := []struct {
		name string
		give func() string
	}{
		{
			name: "base License after CustData",
			give: func() string {
				body := edit(t, sample, baseNil, "", 1)
				return edit(t, body, "  </CustData>\n", "  </CustData>\n"+baseNil, 1)
			},
		},
		{
			name: "Customer before Account",
			give: func() string {
				body := edit(t, sample, accountXML, "", 1)
				return edit(t, body, "\n      </Customer>\n", "\n      </Customer>\n"+accountXML, 1)
			},
		},
		{
			name: "Login first and Index before ISubscription",
			give: func() string {
				var logins []string
				body := loginLine.ReplaceAllStringFunc(sample, func(line string) string {
					logins = append(logins, line)
					return ""
				})
				require.Len(t, logins, 3)
				for _, line := range logins {
					body = strings.Replace(body, "<d5p1:PersonalInformation>",
						"<d5p1:PersonalInformation!>"+line, 1)
				}
				body = strings.ReplaceAll(body, "<d5p1:PersonalInformation!>", "<d5p1:PersonalInformation>")
				require.Equal(t, 5, len(subscriptionThenIndex.FindAllString(body, -1)))
				return subscriptionThenIndex.ReplaceAllString(body, "$2$1")
			},
		},
		{
			name: "root members reversed",
			give: func() string {
				body := edit(t, sample, "  <ContentId>0</ContentId>\n  <FeatureName>BatchCustomerCreation</FeatureName>\n", "", 1)
				return edit(t, body, "  <ResellerID>4512</ResellerID>\n",
					"  <ResellerID>4512</ResellerID>\n  <FeatureName>BatchCustomerCreation</FeatureName>\n  <ContentId>0</ContentId>\n", 1)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := tt.give()
			require.NotEqual(t, sample, body)
			assert.Equal(t, want, mustDecodeXML(t, body))
		})
	}
}

func TestDecodeXMLRootLicenses(t *testing.T) {
	const open = `<BatchCustomerCreation xmlns="` + wire.NamespaceDto + `">`
	const close = `</BatchCustomerCreation>`
	tests := []struct {
		name        string
		give        string
		wantBase    string
		wantLicense string
	}{
		{
			name:        "DataContract order",
			give:        "<License>B</License><CustData/><License>L</License>",
			wantBase:    "B",
			wantLicense: "L",
		},
		{
			name:        "both before CustData",
			give:        "<License>B</License><License>L</License><CustData/>",
			wantBase:    "B",
			wantLicense: "L",
		},
		{
			name:        "both after CustData",
			give:        "<CustData/><License>B</License><License>L</License>",
			wantBase:    "B",
			wantLicense: "L",
		},
		{name: "one before CustData", give: "<License>B</License><CustData/>", wantBase: "B"},
		{name: "one after CustData", give: "<CustData/><License>L</License>", wantLicense: "L"},
		{name: "one without CustData", give: "<License>B</License>", wantBase: "B"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := mustDecodeXML(t, open+tt.give+close)
			assert.Equal(t, tt.wantBase, b.BaseLicense, "BaseLicense")
			assert.Equal(t, tt.wantLicense, b.License, "License")
		})
	}

	_, err := wire.DecodeXML(strings.NewReader(open + "<License/><License/><CustData/><License/>" + close))
	requireDecodeError(t, err, "License", "more than twice")
}

// Namespaces are matched by URI: prefixes may be declared anywhere, but an
// element of a known member in the wrong namespace is an error.
func TestDecodeXMLNamespaces(t *testing.T) {
	sample := readSample(t, sampleXMLFile)
	want := mustDecodeXML(t, sample)

	t.Run("prefixes hoisted to the root", func(t *testing.T) {
		body := regexp.MustCompile(` xmlns:d[59]p1="[^"]*"`).ReplaceAllString(sample, "")
		body = strings.ReplaceAll(body, "d5p1:", "m:")
		body = strings.ReplaceAll(body, "d9p1:", "a:")
		body = edit(t, body, `<BatchCustomerCreation `,
			`<BatchCustomerCreation xmlns:m="`+wire.NamespaceModels+`" xmlns:a="`+wire.NamespaceArrays+`" `, 1)
		require.NotContains(t, body, "d5p1")

		assert.Equal(t, want, mustDecodeXML(t, body))
	})

	t.Run("default namespace redeclared", func(t *testing.T) {
		body := regexp.MustCompile(`<d5p1:PersonalInformation>[\s\S]*?</d5p1:PersonalInformation>`).ReplaceAllStringFunc(
			sample, func(s string) string {
				s = strings.ReplaceAll(s, "d5p1:", "")
				return strings.Replace(s, "<PersonalInformation>", `<PersonalInformation xmlns="`+wire.NamespaceModels+`">`, 1)
			})
		assert.Equal(t, want, mustDecodeXML(t, body))
	})

	unprefix := func(t *testing.T, start, end string) string {
		i := strings.Index(sample, start)
		j := strings.Index(sample[i:], end) + i
		require.True(t, i >= 0 && j > i)
		return sample[:i] + strings.ReplaceAll(sample[i:j], "d5p1:", "") + sample[j:]
	}
	tests := []struct {
		name      string
		give      string
		wantField string
		wantNS    string
	}{
		{
			name:      "AccountRequest children in Web.Dto",
			give:      unprefix(t, "<AccountRequest ", "</AccountRequest>"),
			wantField: "CustData[0].Account.AccountRequest.AccountId",
			wantNS:    wire.NamespaceModels,
		},
		{
			name:      "Customer children in Web.Dto",
			give:      unprefix(t, "<Customer xmlns:d5p1", "\n        </Customer>"),
			wantField: "CustData[0].Customer.Customer.CustomerAddress",
			wantNS:    wire.NamespaceModels,
		},
		{
			name: "License in Common.Models",
			give: edit(t, sample, "  <License>"+sampleLicense+"</License>\n  <ProductID>",
				`  <License xmlns="`+wire.NamespaceModels+`">`+sampleLicense+"</License>\n  <ProductID>", 1),
			wantField: "License",
			wantNS:    wire.NamespaceDto,
		},
		{
			name:      "list item in the wrong namespace",
			give:      edit(t, sample, "<d5p1:AccountInformation>", `<AccountInformation xmlns="`+wire.NamespaceDto+`">`, 1),
			wantField: "CustData[0].Account.AccountRequest.AccountsToCreate[0]",
			wantNS:    wire.NamespaceModels,
		},
		{
			name:      "dictionary entry in Common.Models",
			give:      edit(t, sample, "d9p1:KeyValueOfstringArrayOfstringty7Ep6D1>", "d5p1:KeyValueOfstringArrayOfstringty7Ep6D1>", 2),
			wantField: "CustData[0].Account.AccountRequest.DefaultValues.ServiceFeatures[0].ServiceAttributes[0]",
			wantNS:    wire.NamespaceArrays,
		},
		{
			name:      "undeclared prefix",
			give:      edit(t, sample, ` xmlns:d5p1="`+wire.NamespaceModels+`"`, "", 1),
			wantField: "CustData[0].Account.AccountRequest.AccountId",
			wantNS:    wire.NamespaceModels,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := wire.DecodeXML(strings.NewReader(tt.give))
			requireDecodeError(t, err, tt.wantField, tt.wantNS)
		})
	}
}

// i:nil and empty elements: strings become "", value types are errors that
// name the member.
func TestDecodeXMLNilAndEmpty(t *testing.T) {
	sample := readSample(t, sampleXMLFile)
	want := mustDecodeXML(t, sample)
	ownLicense := "\n  <License>" + sampleLicense + "</License>\n"
	customerIParent := "<d5p1:IParent>0</d5p1:IParent>\n          <d5p1:Notes>"

	t.Run("nil License is an omitted License", func(t *testing.T) {
		withNil := mustDecodeXML(t, edit(t, sample, ownLicense, "\n  <License i:nil=\"true\" />\n", 1))
		omitted := mustDecodeXML(t, edit(t, sample, ownLicense, "\n", 1))

		assert.Equal(t, omitted, withNil)
		assert.Equal(t, "", withNil.License)
		assert.Equal(t, "", withNil.EffectiveLicense())
	})

	t.Run("nil and empty Password are unset", func(t *testing.T) {
		body := edit(t, sample, "<d5p1:Password>Vq8#tR2m!Lk5wZ</d5p1:Password>", `<d5p1:Password i:nil="true" />`, 1)
		body = edit(t, body, "<d5p1:Password>Hs3$pX9c@Nd7qE</d5p1:Password>", `<d5p1:Password />`, 1)
		b := mustDecodeXML(t, body)

		accounts := b.CustData[0].Account.AccountRequest.AccountsToCreate
		assert.Equal(t, "", accounts[0].Password)
		assert.Equal(t, "", accounts[1].Password)
		assert.Empty(t, wire.Validate(b, wire.ValidateOptions{}), "an unset account password is allowed")
	})

	t.Run("nil and empty objects and lists", func(t *testing.T) {
		body := edit(t, sample, "<d5p1:ServiceFeatures />", `<d5p1:ServiceFeatures i:nil="true" />`, 1)
		body = edit(t, body, "<CustomerDefaultValues xmlns:d5p1", `<CustomerDefaultValues i:nil="true" xmlns:d5p1`, 1)
		b := mustDecodeXML(t, body)

		assert.Nil(t, b.CustData[0].Customer.CustomerDefaultValues)
		assert.Nil(t, b.CustData[1].Account.AccountRequest.DefaultValues.ServiceFeatures)
		assert.Equal(t, []wire.PortaServiceFeature{}, b.CustData[1].Customer.Customer.CustomerStatus.ServiceFeatures)
		assert.Equal(t, want.CustData[1].Customer, b.CustData[1].Customer)
	})

	tests := []struct {
		name      string
		give      string
		wantField string
		wantParts []string
	}{
		{
			name:      "nil IParent",
			give:      edit(t, sample, customerIParent, "<d5p1:IParent i:nil=\"true\" />\n          <d5p1:Notes>", 1),
			wantField: "CustData[0].Customer.Customer.IParent",
			wantParts: []string{"i:nil", "integer"},
		},
		{
			name:      "empty IParent",
			give:      edit(t, sample, customerIParent, "<d5p1:IParent/>\n          <d5p1:Notes>", 1),
			wantField: "CustData[0].Customer.Customer.IParent",
			wantParts: []string{"empty", "integer"},
		},
		{
			name:      "blank IParent",
			give:      edit(t, sample, customerIParent, "<d5p1:IParent>  </d5p1:IParent>\n          <d5p1:Notes>", 1),
			wantField: "CustData[0].Customer.Customer.IParent",
			wantParts: []string{"empty"},
		},
		{
			name:      "nil bool",
			give:      edit(t, sample, "<d5p1:UmEnabled>true</d5p1:UmEnabled>", `<d5p1:UmEnabled i:nil="true"/>`, 1),
			wantField: "CustData[0].Account.AccountRequest.DefaultValues.UmEnabled",
			wantParts: []string{"boolean"},
		},
		{
			name:      "nil decimal",
			give:      edit(t, sample, "<d5p1:CreditLimit>250.00</d5p1:CreditLimit>", `<d5p1:CreditLimit i:nil="true"/>`, 1),
			wantField: "CustData[0].Account.AccountRequest.DefaultValues.CreditLimit",
			wantParts: []string{"decimal"},
		},
		{
			name:      "nil enum",
			give:      edit(t, sample, "<d5p1:BillingModel>Credit</d5p1:BillingModel>", `<d5p1:BillingModel i:nil="1"/>`, 1),
			wantField: "CustData[0].Account.AccountRequest.DefaultValues.BillingModel",
			wantParts: []string{"ReChargeVoucher, Debit, Credit"},
		},
		{
			name:      "nil list item",
			give:      edit(t, sample, "<CsvData>", `<CsvData i:nil="true">`, 1),
			wantField: "CustData[0]",
			wantParts: []string{"i:nil"},
		},
		{
			name:      "invalid nil attribute",
			give:      edit(t, sample, `<d5p1:Notes i:nil="true" />`, `<d5p1:Notes i:nil="yes" />`, 1),
			wantField: "CustData[1].Customer.Customer.Notes",
			wantParts: []string{`"yes"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := wire.DecodeXML(strings.NewReader(tt.give))
			requireDecodeError(t, err, tt.wantField, tt.wantParts...)
		})
	}
}

func TestDecodeXMLValues(t *testing.T) {
	sample := readSample(t, sampleXMLFile)
	creditLimit := "<d5p1:CreditLimit>250.00</d5p1:CreditLimit>"
	umEnabled := "<d5p1:UmEnabled>true</d5p1:UmEnabled>"
	const defaultsPath = "CustData[0].Account.AccountRequest.DefaultValues."

	accepted := []struct {
		name  string
		old   string
		give  string
		check func(t *testing.T, d *wire.DefaultValues)
	}{
		{
			name:  "bool 1",
			old:   umEnabled,
			give:  "<d5p1:UmEnabled>1</d5p1:UmEnabled>",
			check: func(t *testing.T, d *wire.DefaultValues) { assert.True(t, d.UmEnabled) },
		},
		{
			name:  "bool 0",
			old:   umEnabled,
			give:  "<d5p1:UmEnabled>0</d5p1:UmEnabled>",
			check: func(t *testing.T, d *wire.DefaultValues) { assert.False(t, d.UmEnabled) },
		},
		{
			name:  "bool with spaces",
			old:   umEnabled,
			give:  "<d5p1:UmEnabled> false\n</d5p1:UmEnabled>",
			check: func(t *testing.T, d *wire.DefaultValues) { assert.False(t, d.UmEnabled) },
		},
		{
			name:  "decimal without integer part",
			old:   creditLimit,
			give:  "<d5p1:CreditLimit>.5</d5p1:CreditLimit>",
			check: func(t *testing.T, d *wire.DefaultValues) { assert.Equal(t, dec("0.5"), d.CreditLimit) },
		},
		{
			name:  "negative decimal",
			old:   creditLimit,
			give:  "<d5p1:CreditLimit>-12.340</d5p1:CreditLimit>",
			check: func(t *testing.T, d *wire.DefaultValues) { assert.Equal(t, dec("-12.340"), d.CreditLimit) },
		},
		{
			name:  "decimal with plus sign",
			old:   creditLimit,
			give:  "<d5p1:CreditLimit>+7</d5p1:CreditLimit>",
			check: func(t *testing.T, d *wire.DefaultValues) { assert.Equal(t, dec("7"), d.CreditLimit) },
		},
		{
			name:  "integer with spaces",
			old:   "<d5p1:ITimeZone>110</d5p1:ITimeZone>",
			give:  "<d5p1:ITimeZone> 111 </d5p1:ITimeZone>",
			check: func(t *testing.T, d *wire.DefaultValues) { assert.Equal(t, int64(111), d.ITimeZone) },
		},
	}
	for _, tt := range accepted {
		t.Run(tt.name, func(t *testing.T) {
			b := mustDecodeXML(t, edit(t, sample, tt.old, tt.give, 1))
			tt.check(t, b.CustData[0].Account.AccountRequest.DefaultValues)
		})
	}

	rejected := []struct {
		name      string
		old       string
		give      string
		wantField string
		wantPart  string
	}{
		{
			name:      "bool True",
			old:       umEnabled,
			give:      "<d5p1:UmEnabled>True</d5p1:UmEnabled>",
			wantField: "UmEnabled",
			wantPart:  "true or false",
		},
		{
			name:      "bool yes",
			old:       umEnabled,
			give:      "<d5p1:UmEnabled>yes</d5p1:UmEnabled>",
			wantField: "UmEnabled",
			wantPart:  "not a boolean",
		},
		{
			name:      "decimal exponent",
			old:       creditLimit,
			give:      "<d5p1:CreditLimit>2.5E2</d5p1:CreditLimit>",
			wantField: "CreditLimit",
			wantPart:  "no exponent",
		},
		{
			name:      "decimal comma",
			old:       creditLimit,
			give:      "<d5p1:CreditLimit>250,00</d5p1:CreditLimit>",
			wantField: "CreditLimit",
			wantPart:  "not a decimal",
		},
		{
			name:      "decimal too long",
			old:       creditLimit,
			give:      "<d5p1:CreditLimit>" + strings.Repeat("9", 30) + "</d5p1:CreditLimit>",
			wantField: "CreditLimit",
			wantPart:  "out of range",
		},
		{
			name:      "decimal dot only",
			old:       creditLimit,
			give:      "<d5p1:CreditLimit>.</d5p1:CreditLimit>",
			wantField: "CreditLimit",
			wantPart:  "not a decimal",
		},
		{
			name:      "integer fraction",
			old:       "<d5p1:ITimeZone>110</d5p1:ITimeZone>",
			give:      "<d5p1:ITimeZone>110.0</d5p1:ITimeZone>",
			wantField: "ITimeZone",
			wantPart:  "not an integer",
		},
		{
			name:      "integer overflow",
			old:       "<d5p1:ITimeZone>110</d5p1:ITimeZone>",
			give:      "<d5p1:ITimeZone>99999999999999999999</d5p1:ITimeZone>",
			wantField: "ITimeZone",
			wantPart:  "out of range",
		},
		{
			name:      "enum wrong case",
			old:       "<d5p1:BillingModel>Credit</d5p1:BillingModel>",
			give:      "<d5p1:BillingModel>credit</d5p1:BillingModel>",
			wantField: "BillingModel",
			wantPart:  "ReChargeVoucher, Debit, Credit",
		},
		{
			name:      "enum unknown",
			old:       "<d5p1:RTPProxy>Direct</d5p1:RTPProxy>",
			give:      "<d5p1:RTPProxy>Never</d5p1:RTPProxy>",
			wantField: "RTPProxy",
			wantPart:  "Direct, Optimal, OnNat, Always",
		},
		{
			name:      "enum empty",
			old:       "<d5p1:DefaultAnsweringMode>Reject</d5p1:DefaultAnsweringMode>",
			give:      "<d5p1:DefaultAnsweringMode />",
			wantField: "DefaultAnsweringMode",
			wantPart:  "Reject",
		},
	}
	for _, tt := range rejected {
		t.Run(tt.name, func(t *testing.T) {
			_, err := wire.DecodeXML(strings.NewReader(edit(t, sample, tt.old, tt.give, 1)))
			requireDecodeError(t, err, defaultsPath+tt.wantField, tt.wantPart)
		})
	}
}

func TestDecodeXMLStructure(t *testing.T) {
	sample := readSample(t, sampleXMLFile)
	want := mustDecodeXML(t, sample)

	t.Run("unknown elements are skipped", func(t *testing.T) {
		body := edit(t, sample, "<AliasNumber>", "<Extra><Nested>1</Nested></Extra><AliasNumber>", 1)
		body = edit(t, body, "<d5p1:Notes>", `<d5p1:Unknown>x</d5p1:Unknown><x:Other xmlns:x="urn:x"/><d5p1:Notes>`, 1)
		body = edit(t, body, "<d9p1:Key>", "<d9p1:Comment>c</d9p1:Comment><d9p1:Key>", 1)
		assert.Equal(t, want, mustDecodeXML(t, body))
	})

	t.Run("comments, declaration and processing instructions", func(t *testing.T) {
		body := "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!-- batch -->\n" +
			edit(t, sample, "<CustData>", "<CustData><!-- rows --><?app hint?>", 1) + "\n<!-- end -->\n"
		assert.Equal(t, want, mustDecodeXML(t, body))
	})

	t.Run("empty body", func(t *testing.T) {
		for _, body := range []string{"", " \r\n\t"} {
			assert.Equal(t, &wire.BatchCustomerCreation{}, mustDecodeXML(t, body))
		}
	})

	t.Run("strings keep spaces and entities", func(t *testing.T) {
		body := edit(t, sample, "<d5p1:Notes>Two-seat", "<d5p1:Notes>  &lt;b&gt; &amp; &#233; <![CDATA[<raw>]]>\n Two-seat", 1)
		b := mustDecodeXML(t, body)
		assert.Equal(t, "  <b> & é <raw>\n Two-seat dental practice; main number 202-555-0100.", b.CustData[0].Customer.Customer.Notes)
	})

	tests := []struct {
		name      string
		give      string
		wantField string
		wantParts []string
	}{
		{
			name:      "wrong root name",
			give:      strings.Replace(sample, "BatchCustomerCreation", "BatchCustomer", 2),
			wantField: "",
			wantParts: []string{"<BatchCustomer>", "expected <BatchCustomerCreation>", wire.NamespaceDto},
		},
		{
			name:      "root without namespace",
			give:      `<BatchCustomerCreation><CustData/></BatchCustomerCreation>`,
			wantField: "",
			wantParts: []string{"expected <BatchCustomerCreation>", wire.NamespaceDto},
		},
		{
			name:      "repeated member",
			give:      edit(t, sample, "<AliasNumber>12025550100</AliasNumber>", "<AliasNumber>1</AliasNumber><AliasNumber>2</AliasNumber>", 1),
			wantField: "CustData[0].AliasNumber",
			wantParts: []string{"appears twice"},
		},
		{
			name:      "repeated object",
			give:      edit(t, sample, "<d5p1:DiallingRule>", "<d5p1:DiallingRule/><d5p1:DiallingRule>", 1),
			wantField: "CustData[0].Customer.Customer.Preferences.DiallingRule",
			wantParts: []string{"appears twice"},
		},
		{
			name:      "duplicate dictionary key",
			give:      edit(t, sample, "<d9p1:Key>display_number_check</d9p1:Key>", "<d9p1:Key>centrex</d9p1:Key>", 1),
			wantField: `CustData[0].Customer.Customer.CustomerStatus.ServiceFeatures[0].ServiceAttributes["centrex"]`,
			wantParts: []string{"appears twice"},
		},
		{
			name:      "dictionary entry without key",
			give:      edit(t, sample, "<d9p1:Key>centrex</d9p1:Key>", "", 1),
			wantField: "CustData[0].Customer.Customer.CustomerStatus.ServiceFeatures[0].ServiceAttributes[0]",
			wantParts: []string{"no <Key>"},
		},
		{
			name:      "nil dictionary key",
			give:      edit(t, sample, "<d9p1:Key>centrex</d9p1:Key>", `<d9p1:Key i:nil="true"/>`, 1),
			wantField: "CustData[0].Customer.Customer.CustomerStatus.ServiceFeatures[0].ServiceAttributes[0].Key",
			wantParts: []string{"i:nil"},
		},
		{
			name:      "wrong list item",
			give:      edit(t, sample, "<CsvData>", "<Row>", 1),
			wantField: "CustData[0]",
			wantParts: []string{"<Row>", "<CsvData>"},
		},
		{
			name:      "element inside a string",
			give:      edit(t, sample, "<AliasNumber>12025550100</AliasNumber>", "<AliasNumber><b>1</b></AliasNumber>", 1),
			wantField: "CustData[0].AliasNumber",
			wantParts: []string{"<b>"},
		},
		{
			name:      "text inside an object",
			give:      edit(t, sample, "<CustData>", "<CustData>rows", 1),
			wantField: "CustData",
			wantParts: []string{`"rows"`},
		},
		{
			name:      "second root element",
			give:      sample + "<BatchCustomerCreation/>",
			wantField: "",
			wantParts: []string{"after the end of the root"},
		},
		{
			name:      "text before the root",
			give:      "hello" + sample,
			wantField: "",
			wantParts: []string{"text before the root"},
		},
		{
			name:      "text after the root",
			give:      sample + "bye",
			wantField: "",
			wantParts: []string{"text after"},
		},
		{
			name:      "malformed",
			give:      edit(t, sample, "</AliasNumber>", "</Alias>", 1),
			wantField: "CustData[0].AliasNumber",
			wantParts: []string{"malformed XML", "line 82"},
		},
		{
			name:      "truncated",
			give:      sample[:strings.Index(sample, "<CustData>")+len("<CustData>")],
			wantField: "CustData",
			wantParts: []string{"malformed XML", "unexpected EOF"},
		},
		{
			name:      "only a declaration",
			give:      `<?xml version="1.0"?>`,
			wantField: "",
			wantParts: []string{"no XML element"},
		},
		{
			name:      "unknown entity",
			give:      edit(t, sample, "<AliasNumber>12025550100", "<AliasNumber>&nbsp;", 1),
			wantField: "CustData[0].AliasNumber",
			wantParts: []string{"entity"},
		},
		{
			name:      "DOCTYPE",
			give:      "<!DOCTYPE BatchCustomerCreation>" + sample,
			wantField: "",
			wantParts: []string{"DOCTYPE"},
		},
		{
			name:      "entity declaration",
			give:      `<!DOCTYPE r [<!ENTITY x "` + strings.Repeat("a", 50) + `">]>` + sample,
			wantField: "",
			wantParts: []string{"DOCTYPE", "entity"},
		},
		{
			name:      "DOCTYPE inside",
			give:      edit(t, sample, "<CustData>", "<CustData><!ENTITY x 'y'>", 1),
			wantField: "CustData",
			wantParts: []string{"<!ENTITY>"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := wire.DecodeXML(strings.NewReader(tt.give))
			requireDecodeError(t, err, tt.wantField, tt.wantParts...)
		})
	}
}

func TestDecodeXMLLimits(t *testing.T) {
	root := `<BatchCustomerCreation xmlns="` + wire.NamespaceDto + `">`
	tests := []struct {
		name     string
		give     string
		wantPart string
	}{
		{
			name:     "deep nesting",
			give:     root + strings.Repeat("<x>", 100) + strings.Repeat("</x>", 100) + "</BatchCustomerCreation>",
			wantPart: "nested more than 64",
		},
		{
			name:     "long element name",
			give:     root + "<" + strings.Repeat("n", 300) + "/></BatchCustomerCreation>",
			wantPart: "longer than 256",
		},
		{
			name:     "long attribute name",
			give:     root + "<n " + strings.Repeat("a", 300) + `="1"/></BatchCustomerCreation>`,
			wantPart: "longer than 256",
		},
		{
			name:     "many attributes",
			give:     root + "<n" + manyAttributes(100) + "/></BatchCustomerCreation>",
			wantPart: "more than 64 attributes",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := wire.DecodeXML(strings.NewReader(tt.give))
			var de *wire.DecodeError
			require.ErrorAs(t, err, &de)
			assert.Contains(t, de.Message, tt.wantPart)
		})
	}
}

func manyAttributes(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(" a")
		b.WriteString(strings.Repeat("x", i))
		b.WriteString(`="1"`)
	}
	return b.String()
}

func TestDecodeErrorText(t *testing.T) {
	err := &wire.DecodeError{Field: "CustData[0].AliasNumber", Message: "bad value"}
	assert.Equal(t, "CustData[0].AliasNumber: bad value", err.Error())

	err = &wire.DecodeError{Message: "bad body"}
	assert.Equal(t, "bad body", err.Error())
}

func TestDecodeXMLHidesSecretText(t *testing.T) {
	body := strings.Replace(readSample(t, "batch-3-customers.xml"),
		"Vq8#tR2m!Lk5wZ", "Vq8#tR2m&Lk5wZ", 1)
	_, err := wire.DecodeXML(strings.NewReader(body))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "AccountsToCreate[0].Password")
	assert.Contains(t, err.Error(), "secret member")
	assert.NotContains(t, err.Error(), "Lk5wZ")
}

func TestDecodeWrongFormatIsNamed(t *testing.T) {
	_, err := wire.DecodeXML(strings.NewReader(readSample(t, "batch-3-customers.json")))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "looks like JSON")
	assert.NotContains(t, err.Error(), "nE8s")
	_, err = wire.DecodeJSON(strings.NewReader(readSample(t, "batch-3-customers.xml")))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "looks like XML")
}
