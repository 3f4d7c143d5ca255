package wire_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"encoding/xml"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/charmap"

	"github.com/portaplus2/batchcustomers/wire"
)

// xmlSeeds are the samples and the known-failure bodies: reordered
// elements, hoisted and wrong namespaces, byte order marks and charsets,
// i:nil and empty elements.
func xmlSeeds(tb testing.TB) [][]byte {
	sample := readSample(tb, sampleXMLFile)
	latin1, err := charmap.ISO8859_1.NewEncoder().String(`<?xml version="1.0" encoding="iso-8859-1"?>` +
		edit(tb, sample, "<d5p1:FirstName>Alice</d5p1:FirstName>", "<d5p1:FirstName>José</d5p1:FirstName>", 1))
	require.NoError(tb, err)
	customerIParent := "<d5p1:IParent>0</d5p1:IParent>\n          <d5p1:Notes>"

	seeds := []string{
		sample,
		readSample(tb, placeholderFile),
		readSample(tb, sampleSOAP12File),
		edit(tb, sample, "<License i:nil=\"true\" />\n", "", 1) + "",
		edit(tb, sample, "</CustData>", "</CustData><License>base</License>", 1),
		edit(tb, sample, "<d5p1:ISubscription>0</d5p1:ISubscription>", "", 1),
		edit(tb, sample, "<d5p1:AccountId i:nil=\"true\" />", "<AccountId/>", 1),
		edit(tb, sample, "\n  <License>"+sampleLicense, "\n  <License xmlns=\""+wire.NamespaceModels+"\">"+sampleLicense, 1),
		string(utf8BOM) + sample,
		`<?xml version="1.0" encoding="utf-16"?>` + sample,
		latin1,
		edit(tb, sample, customerIParent, "<d5p1:IParent i:nil=\"true\" />\n          <d5p1:Notes>", 1),
		edit(tb, sample, customerIParent, "<d5p1:IParent/>\n          <d5p1:Notes>", 1),
		edit(tb, sample, "<d5p1:Password>Vq8#tR2m!Lk5wZ</d5p1:Password>", `<d5p1:Password i:nil="true" />`, 1),
		`<!DOCTYPE r [<!ENTITY x "y">]><r>&x;</r>`,
		`<BatchCustomerCreation xmlns="` + wire.NamespaceDto + `" xmlns:m="` + wire.NamespaceModels +
			`" xmlns:a="` + wire.NamespaceArrays + `"><CustData><CsvData><Account><AccountRequest>` +
			`<m:AccountsToCreate><m:AccountInformation><m:Index>1</m:Index></m:AccountInformation></m:AccountsToCreate>` +
			`<m:DefaultValues><m:CreditLimit>1.5</m:CreditLimit><m:ServiceFeatures><m:PortaServiceFeature>` +
			`<m:ServiceAttributes><a:KeyValueOfstringArrayOfstringty7Ep6D1><a:Key>k</a:Key><a:Value><a:string>v</a:string>` +
			`</a:Value></a:KeyValueOfstringArrayOfstringty7Ep6D1></m:ServiceAttributes></m:PortaServiceFeature>` +
			`</m:ServiceFeatures></m:DefaultValues></AccountRequest></Account><AliasNumber>+1 (2)</AliasNumber>` +
			`</CsvData></CustData><License>x</License><ProductID>1</ProductID></BatchCustomerCreation>`,
		"",
	}
	out := make([][]byte, 0, len(seeds)+1)
	for _, s := range seeds {
		out = append(out, []byte(s))
	}
	return append(out, toUTF16(`<?xml version="1.0" encoding="utf-16"?>`+sample, binary.LittleEndian, true))
}

func jsonSeeds(tb testing.TB) [][]byte {
	sample := readSample(tb, sampleJSONFile)
	seeds := []string{
		sample,
		string(utf8BOM) + sample,
		edit(tb, sample, `"ProductID": 1201`, `"ProductID": "1201"`, 1),
		edit(tb, sample, `"IParent": 0`, `"IParent": null`, 1),
		edit(tb, sample, `"IParent": 0`, `"IParent": ""`, 1),
		edit(tb, sample, `"Password": "Vq8#tR2m!Lk5wZ"`, `"Password": null`, 1),
		edit(tb, sample, `"BillingModel": "Credit"`, `"BillingModel": "credit"`, 1),
		`{"CustData":[{"Account":{"AccountRequest":{"AccountsToCreate":[{"AcntId":1}]}}}],"license":null}`,
		`{"CustData":[{"Account":{"AccountRequest":{"DefaultValues":{"CreditLimit":"1.50","RTPProxy":"onnat",` +
			`"ServiceFeatures":[{"ServiceAttributes":{"k":["v",null]}}]}}},"AliasNumber":"+1 (2)"}],"ProductID":"7"}`,
		"null",
		"",
	}
	out := make([][]byte, 0, len(seeds))
	for _, s := range seeds {
		out = append(out, []byte(s))
	}
	return out
}

func FuzzDecodeXML(f *testing.F) {
	for _, seed := range xmlSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		b, err := wire.DecodeXML(bytes.NewReader(body))
		checkDecoded(t, b, err, "application/xml")
	})
}

func FuzzDecodeSOAP(f *testing.F) {
	for _, seed := range xmlSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		b, _, err := wire.DecodeSOAP(bytes.NewReader(body))
		checkDecoded(t, b, err, "text/xml")
	})
}

func FuzzDecodeJSON(f *testing.F) {
	for _, seed := range jsonSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		b, err := wire.DecodeJSON(bytes.NewReader(body))
		checkDecoded(t, b, err, "application/json")
	})
}

// checkDecoded asserts what must hold for any input: an error is a
// DecodeError whose error bodies are well-formed, and a decoded DTO
// validates and survives a JSON round trip unchanged.
func checkDecoded(t *testing.T, b *wire.BatchCustomerCreation, err error, contentType string) {
	if err != nil {
		var de *wire.DecodeError
		require.ErrorAs(t, err, &de)
		require.Nil(t, b)
		requireWellFormed(t, wire.SerializationStatus(contentType, err))
		return
	}
	require.NotNil(t, b)

	if errs := wire.Validate(b, wire.ValidateOptions{MaxCustomers: 100}); errs != nil {
		requireWellFormed(t, wire.ValidationStatus(errs))
	}

	data, err := json.Marshal(b)
	require.NoError(t, err)
	back, err := wire.DecodeJSON(bytes.NewReader(data))
	require.NoError(t, err, string(data))
	again, err := json.Marshal(back)
	require.NoError(t, err)
	require.Equal(t, string(data), string(again))
}

func requireWellFormed(t *testing.T, st wire.ResponseStatus) {
	var parsed parsedStatus
	body := wire.ErrorResponseXML(st)
	require.NoError(t, xml.Unmarshal(body, &parsed), string(body))
	require.True(t, json.Valid(wire.ErrorResponseJSON(st)))
	for _, v := range []wire.SOAPVersion{wire.SOAP11, wire.SOAP12} {
		var envelope struct{}
		require.NoError(t, xml.Unmarshal(wire.SOAPFault(v, st), &envelope))
	}
}
