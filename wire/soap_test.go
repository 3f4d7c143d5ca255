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
		{
			name:        "SOAP 1.1",
			give:        envelope(wire.NamespaceSOAP11, "", sample),
			wantVersion: wire.SOAP11,
		},
		{
			name:        "SOAP 1.2",
			give:        envelope(wire.NamespaceSOAP12, "", sample),
			wantVersion: wire.SOAP12,
		},
		{
			name:        "with Header",
			give:        envelope(wire.NamespaceSOAP11, `<s:Header><a:Action xmlns:a="urn:a">BatchCustomerCreation</a:Action></s:Header>`, sample),
			wantVersion: wire.SOAP11,
		},
		{
			name:        "elements after the DTO",
			give:        envelope(wire.NamespaceSOAP12, "", sample+"<Other><x/></Other>"),
			wantVersion: wire.SOAP12,
		},
		{
			name:        "SOAP 1.2 sample file",
			give:        readSample(t, sampleSOAP12File),
			wantVersion: wire.SOAP12,
		},
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
		{
			name:        "plain DTO",
			give:        sample,
			wantVersion: 0,
			wantField:   "",
			wantParts:   []string{"<BatchCustomerCreation>", "SOAP <Envelope>", wire.NamespaceSOAP11, wire.NamespaceSOAP12},
		},
		{
			name:        "empty body",
			give:        "",
			wantVersion: 0,
			wantField:   "",
			wantParts:   []string{"no XML element", "SOAP Envelope"},
		},
		{
			name:        "no Body",
			give:        `<s:Envelope xmlns:s="` + wire.NamespaceSOAP12 + `"><s:Header/></s:Envelope>`,
			wantVersion: wire.SOAP12,
			wantField:   "",
			wantParts:   []string{"no Body"},
		},
		{
			name:        "empty Body",
			give:        envelope(wire.NamespaceSOAP11, "", ""),
			wantVersion: wire.SOAP11,
			wantField:   "",
			wantParts:   []string{"Body is empty"},
		},
		{
			name:        "other operation",
			give:        envelope(wire.NamespaceSOAP12, "", `<CreateCustomer xmlns="`+wire.NamespaceDto+`"/>`),
			wantVersion: wire.SOAP12,
			wantField:   "",
			wantParts:   []string{"<CreateCustomer>", "expected <BatchCustomerCreation>"},
		},
		{
			name:        "Body of the other version",
			give:        `<s:Envelope xmlns:s="` + wire.NamespaceSOAP12 + `"><b:Body xmlns:b="` + wire.NamespaceSOAP11 + `">` + sample + `</b:Body></s:Envelope>`,
			wantVersion: wire.SOAP12,
			wantField:   "",
			wantParts:   []string{"<Body>", wire.NamespaceSOAP12},
		},
		{
			name:        "two Bodies",
			give:        strings.Replace(envelope(wire.NamespaceSOAP12, "", sample), "</s:Body>", "</s:Body><s:Body/>", 1),
			wantVersion: wire.SOAP12,
			wantField:   "",
			wantParts:   []string{"<Body>"},
		},
		{
			name:        "DTO error",
			give:        envelope(wire.NamespaceSOAP11, "", edit(t, sample, "<ProductID>1201</ProductID>", "<ProductID>x</ProductID>", 1)),
			wantVersion: wire.SOAP11,
			wantField:   "ProductID",
			wantParts:   []string{`"x"`, "not an integer"},
		},
		{
			name:        "second document",
			give:        envelope(wire.NamespaceSOAP11, "", sample) + "<x/>",
			wantVersion: wire.SOAP11,
			wantField:   "",
			wantParts:   []string{"after the end of the root"},
		},
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
