package wire_test

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portaplus2/batchcustomers/wire"
)

func mustEncodeXML(t testing.TB, b *wire.BatchCustomerCreation, rowComments map[int]string) string {
	t.Helper()
	data, err := wire.EncodeXML(b, rowComments)
	require.NoError(t, err)
	return string(data)
}

// requireEncodeError checks that err is a *wire.EncodeError for field whose
// message contains part.
func requireEncodeError(t testing.TB, err error, field, part string) {
	t.Helper()
	var ee *wire.EncodeError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, field, ee.Field, "field path; message: %s", ee.Message)
	assert.Contains(t, ee.Message, part)
}

func TestEncodeXMLRoundTrip(t *testing.T) {
	for _, name := range []string{sampleXMLFile, placeholderFile} {
		t.Run(name, func(t *testing.T) {
			b := mustDecodeXML(t, readSample(t, name))
			assert.Equal(t, b, mustDecodeXML(t, mustEncodeXML(t, b, nil)))
		})
	}

	t.Run(sampleJSONFile, func(t *testing.T) {
		b := mustDecodeJSON(t, readSample(t, sampleJSONFile))
		assert.Equal(t, b, mustDecodeXML(t, mustEncodeXML(t, b, nil)))
	})

	licenses := []struct {
		name string
		base string
		own  string
	}{
		{"base only", "base", ""},
		{"own only", "", "own"},
		{"both", "base", "own"},
	}
	for _, tt := range licenses {
		t.Run("license "+tt.name, func(t *testing.T) {
			b := mustDecodeXML(t, readSample(t, sampleXMLFile))
			b.BaseLicense, b.License = tt.base, tt.own
			assert.Equal(t, b, mustDecodeXML(t, mustEncodeXML(t, b, nil)))
		})
	}
}

// The samples are indented the way EncodeXML writes, so the output matches
// them byte for byte: element order, prefixes, i:nil and whitespace.
func TestEncodeXMLMatchesSample(t *testing.T) {
	for _, name := range []string{sampleXMLFile, placeholderFile} {
		t.Run(name, func(t *testing.T) {
			sample := readSample(t, name)
			assert.Equal(t, sample, mustEncodeXML(t, mustDecodeXML(t, sample), nil))
		})
	}

	t.Run("from "+sampleJSONFile, func(t *testing.T) {
		b := mustDecodeJSON(t, readSample(t, sampleJSONFile))
		assert.Equal(t, readSample(t, sampleXMLFile), mustEncodeXML(t, b, nil))
	})
}

// commentsBeforeRows returns each comment of an XML document with the number
// of <CsvData> elements that precede it.
func commentsBeforeRows(t *testing.T, doc string) map[string]int {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(doc))
	comments := map[string]int{}
	rows := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			require.ErrorContains(t, err, "EOF", "the output must be well-formed")
			return comments
		}
		switch tok := tok.(type) {
		case xml.Comment:
			comments[string(tok)] = rows
		case xml.StartElement:
			if tok.Name.Local == "CsvData" {
				rows++
			}
		}
	}
}

func TestEncodeXMLRowComments(t *testing.T) {
	b := mustDecodeXML(t, readSample(t, sampleXMLFile))
	out := mustEncodeXML(t, b, map[int]string{
		0: "duplicate login",
		2: "a--b ---> <CsvData> & -",
	})

	assert.Equal(t, map[string]int{
		" duplicate login ":            0,
		" a- -b - - -> <CsvData> & - ": 2,
	}, commentsBeforeRows(t, out))
	assert.Contains(t, out, "\n  <CustData>\n    <!-- duplicate login -->\n    <CsvData>\n")
	assert.Equal(t, 1, strings.Count(out, "<!-- duplicate login -->"))
	assert.Equal(t, b, mustDecodeXML(t, out), "DecodeXML skips the comments")

	t.Run("row out of range", func(t *testing.T) {
		_, err := wire.EncodeXML(b, map[int]string{1: "ok", 3: "missing row"})
		requireEncodeError(t, err, "CustData[3]", "has 3 rows")
		_, err = wire.EncodeXML(b, map[int]string{-1: "missing row"})
		requireEncodeError(t, err, "CustData[-1]", "has 3 rows")
	})

	t.Run("control character", func(t *testing.T) {
		_, err := wire.EncodeXML(b, map[int]string{1: "bell\a"})
		requireEncodeError(t, err, "CustData[1]", "row comment: character U+0007")
	})
}

func TestEncodeXMLEscaping(t *testing.T) {
	const tricky = "  <a href=\"x\">Tom & Jerry's</a> ]]> \r\n\ttab é 😀 \uFFFD  "
	b := mustDecodeXML(t, readSample(t, sampleXMLFile))
	b.CustData[0].Customer.Customer.Notes = tricky
	b.CustData[0].DisplayName = "\r"
	feature := &b.CustData[0].Account.AccountRequest.DefaultValues.ServiceFeatures[0]
	feature.ServiceAttributes = map[string][]string{tricky: {tricky, "", "<&>"}, "": {"empty key"}}

	out := mustEncodeXML(t, b, nil)
	assert.Equal(t, b, mustDecodeXML(t, out))

	const escaped = "  &lt;a href=\"x\"&gt;Tom &amp; Jerry's&lt;/a&gt; ]]&gt; &#xD;\n\ttab é 😀 \uFFFD  "
	assert.Contains(t, out, "<d5p1:Notes>"+escaped+"</d5p1:Notes>")
	assert.Contains(t, out, "<DisplayName>&#xD;</DisplayName>")
	assert.Contains(t, out, "<d9p1:Key>"+escaped+"</d9p1:Key>")
	assert.Contains(t, out, "<d9p1:string>&lt;&amp;&gt;</d9p1:string>")
	assert.Contains(t, out, "<d9p1:string i:nil=\"true\" />", "an empty value is i:nil")
	assert.Contains(t, out, "<d9p1:Key></d9p1:Key>", "a key cannot be i:nil")
}

func TestEncodeXMLInvalidValues(t *testing.T) {
	const (
		row0     = "CustData[0]."
		defaults = row0 + "Account.AccountRequest.DefaultValues."
		features = defaults + "ServiceFeatures[0].ServiceAttributes"
	)
	tests := []struct {
		name      string
		give      func(b *wire.BatchCustomerCreation)
		wantField string
		wantPart  string
	}{
		{
			name:      "control character",
			give:      func(b *wire.BatchCustomerCreation) { b.CustData[0].Customer.Customer.Notes = "a\x00b" },
			wantField: row0 + "Customer.Customer.Notes",
			wantPart:  "character U+0000 at byte 1",
		},
		{
			name:      "invalid UTF-8",
			give:      func(b *wire.BatchCustomerCreation) { b.FeatureName = "caf\xe9" },
			wantField: "FeatureName",
			wantPart:  "invalid UTF-8 at byte 3",
		},
		{
			name: "noncharacter in a dictionary key",
			give: func(b *wire.BatchCustomerCreation) {
				setAttributes(b, map[string][]string{"k\uFFFE": {"v"}})
			},
			wantField: features + `["k\ufffe"]`,
			wantPart:  "U+FFFE",
		},
		{
			name: "control character in a dictionary value",
			give: func(b *wire.BatchCustomerCreation) {
				setAttributes(b, map[string][]string{"k": {"v", "\x1b"}})
			},
			wantField: features + `["k"][1]`,
			wantPart:  "U+001B",
		},
		{
			name: "unknown enum name",
			give: func(b *wire.BatchCustomerCreation) {
				b.CustData[0].Account.AccountRequest.DefaultValues.BillingModel = "credit"
			},
			wantField: defaults + "BillingModel",
			wantPart:  "ReChargeVoucher, Debit, Credit",
		},
		{
			name: "decimal beyond .NET range",
			give: func(b *wire.BatchCustomerCreation) {
				b.CustData[0].Account.AccountRequest.DefaultValues.CreditLimit = decimal.New(1, -29)
			},
			wantField: defaults + "CreditLimit",
			wantPart:  "out of range",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := mustDecodeXML(t, readSample(t, sampleXMLFile))
			tt.give(b)
			out, err := wire.EncodeXML(b, nil)
			requireEncodeError(t, err, tt.wantField, tt.wantPart)
			assert.Nil(t, out)
		})
	}

	t.Run("nil batch", func(t *testing.T) {
		_, err := wire.EncodeXML(nil, nil)
		require.Error(t, err)
	})
}

func setAttributes(b *wire.BatchCustomerCreation, attributes map[string][]string) {
	b.CustData[0].Account.AccountRequest.DefaultValues.ServiceFeatures[0].ServiceAttributes = attributes
}

func TestEncodeXMLEmptyAndNil(t *testing.T) {
	t.Run("empty batch", func(t *testing.T) {
		b := &wire.BatchCustomerCreation{}
		out := mustEncodeXML(t, b, nil)

		assert.Equal(t, b, mustDecodeXML(t, out))
		assert.Contains(t, out, "\n  <CustData i:nil=\"true\" />\n  <License i:nil=\"true\" />\n")
	})

	b := &wire.BatchCustomerCreation{CustData: []wire.CsvData{
		{},
		{
			Account: &wire.CreateAccount{AccountRequest: &wire.AccountRequest{
				AccountsToCreate: []wire.AccountInformation{},
				DefaultValues: &wire.DefaultValues{ServiceFeatures: []wire.PortaServiceFeature{
					{ServiceAttributes: map[string][]string{}},
					{ServiceAttributes: map[string][]string{"nil": nil, "empty": {}, "blank": {""}}},
					{},
				}},
			}},
			Customer: &wire.CreateCustomer{
				Customer: &wire.Customer{CustomerStatus: &wire.CustomerStatus{}},
			},
		},
	}}
	out := mustEncodeXML(t, b, nil)
	assert.Equal(t, b, mustDecodeXML(t, out))

	for _, want := range []string{
		`<Account i:nil="true" />`,
		`<AccountRequest xmlns:d5p1="` + wire.NamespaceModels + `">`,
		`<CustomerDefaultValues xmlns:d5p1="` + wire.NamespaceModels + `" i:nil="true" />`,
		`<d5p1:AccountsToCreate />`,
		`<d5p1:ServiceAttributes xmlns:d9p1="` + wire.NamespaceArrays + `" />`,
		`<d5p1:ServiceAttributes xmlns:d9p1="` + wire.NamespaceArrays + `" i:nil="true" />`,
		`<d9p1:Value i:nil="true" />`,
		`<d9p1:Value />`,
	} {
		assert.Contains(t, out, want)
	}
	assert.NotContains(t, out, "<d5p1:Balance", "a zero-value decimal is left out")
	assert.NotContains(t, out, "<d5p1:BillingModel", "an unset enum is left out")
}

// FuzzEncodeXML checks that every body DecodeXML accepts encodes, decodes
// back to the same DTO and encodes to the same bytes again.
func FuzzEncodeXML(f *testing.F) {
	for _, seed := range xmlSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		b, err := wire.DecodeXML(bytes.NewReader(body))
		if err != nil {
			return
		}
		out, err := wire.EncodeXML(b, map[int]string{0: "row -- 0"})
		if len(b.CustData) == 0 {
			requireEncodeError(t, err, "CustData[0]", "rows")
			out, err = wire.EncodeXML(b, nil)
		}
		require.NoError(t, err)

		back, err := wire.DecodeXML(bytes.NewReader(out))
		require.NoError(t, err, string(out))
		require.Equal(t, b, back)
		again, err := wire.EncodeXML(back, nil)
		require.NoError(t, err)
		require.Equal(t, string(bytes.Replace(out, []byte("\n    <!-- row - - 0 -->"), nil, 1)), string(again))
	})
}
