package wire_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portaplus2/batchcustomers/wire"
)

// envelope wraps a body in a SOAP envelope of namespace ns with prefix s.
func envelope(ns, header, body string) string {
	return `<?xml version="1.0" encoding="utf-8"?>` +
		`<s:Envelope xmlns:s="` + ns + `">` + header + `<s:Body>` + body + `</s:Body></s:Envelope>`
}

func TestDecodeSOAP(t *testing.T) {
	sample := readSample(t, sampleXMLFile)
	want := mustDecodeXML(t, sample)

	tests := []struct {
		name        string
		give        string
		wantVersion wire.SOAPVersion
	}{
		{"SOAP 1.1", envelope(wire.NamespaceSOAP11, "", sample), wire.SOAP11},
		{"SOAP 1.2", envelope(wire.NamespaceSOAP12, "", sample), wire.SOAP12},
		{"with Header", envelope(wire.NamespaceSOAP11, `<s:Header><a:Action xmlns:a="urn:a">BatchCustomerCreation</a:Action></s:Header>`, sample), wire.SOAP11},
		{"elements after the DTO", envelope(wire.NamespaceSOAP12, "", sample+"<Other><x/></Other>"), wire.SOAP12},
		{"SOAP 1.2 sample file", readSample(t, sampleSOAP12File), wire.SOAP12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, version, err := wire.DecodeSOAP(strings.NewReader(tt.give))
			require.NoError(t, err)
			assert.Equal(t, tt.wantVersion, version)
			assert.Equal(t, want, b)
		})
	}
}

func TestDecodeSOAPErrors(t *testing.T) {
	sample := readSample(t, sampleXMLFile)
	tests := []struct {
		name        string
		give        string
		wantVersion wire.SOAPVersion
		wantField   string
		wantParts   []string
	}{
		{"plain DTO", sample, 0, "", []string{"<BatchCustomerCreation>", "SOAP <Envelope>", wire.NamespaceSOAP11, wire.NamespaceSOAP12}},
		{"empty body", "", 0, "", []string{"no XML element", "SOAP Envelope"}},
		{"no Body", `<s:Envelope xmlns:s="` + wire.NamespaceSOAP12 + `"><s:Header/></s:Envelope>`, wire.SOAP12, "", []string{"no Body"}},
		{"empty Body", envelope(wire.NamespaceSOAP11, "", ""), wire.SOAP11, "", []string{"Body is empty"}},
		{"other operation", envelope(wire.NamespaceSOAP12, "", `<CreateCustomer xmlns="`+wire.NamespaceDto+`"/>`), wire.SOAP12, "", []string{"<CreateCustomer>", "expected <BatchCustomerCreation>"}},
		{"Body of the other version", `<s:Envelope xmlns:s="` + wire.NamespaceSOAP12 + `"><b:Body xmlns:b="` + wire.NamespaceSOAP11 + `">` + sample + `</b:Body></s:Envelope>`, wire.SOAP12, "", []string{"<Body>", wire.NamespaceSOAP12}},
		{"two Bodies", strings.Replace(envelope(wire.NamespaceSOAP12, "", sample), "</s:Body>", "</s:Body><s:Body/>", 1), wire.SOAP12, "", []string{"<Body>"}},
		{"DTO error", envelope(wire.NamespaceSOAP11, "", edit(t, sample, "<ProductID>1201</ProductID>", "<ProductID>x</ProductID>", 1)), wire.SOAP11, "ProductID", []string{`"x"`, "not an integer"}},
		{"second document", envelope(wire.NamespaceSOAP11, "", sample) + "<x/>", wire.SOAP11, "", []string{"after the end of the root"}},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, version, err := wire.DecodeSOAP(strings.NewReader(tt.give))
			assert.Nil(t, b)
			assert.Equal(t, tt.wantVersion, version)
			requireDecodeError(t, err, tt.wantField, tt.wantParts...)
		})
	}
}

func TestSOAPVersionText(t *testing.T) {
	tests := []struct {
		give            wire.SOAPVersion
		wantString      string
		wantNamespace   string
		wantContentType string
	}{
		{wire.SOAP11, "SOAP 1.1", wire.NamespaceSOAP11, "text/xml; charset=utf-8"},
		{wire.SOAP12, "SOAP 1.2", wire.NamespaceSOAP12, "application/soap+xml; charset=utf-8"},
		{0, "unknown SOAP version", "", "application/soap+xml; charset=utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.wantString, func(t *testing.T) {
			assert.Equal(t, tt.wantString, tt.give.String())
			assert.Equal(t, tt.wantNamespace, tt.give.Namespace())
			assert.Equal(t, tt.wantContentType, tt.give.ContentType())
		})
	}
}
