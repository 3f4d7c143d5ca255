package wire

import (
	"bytes"
	"encoding/xml"
	"io"
)

// SOAPVersion is the SOAP version of an envelope.
type SOAPVersion int

// SOAP versions. The zero value means the envelope was not recognised.
const (
	SOAP11 SOAPVersion = 1
	SOAP12 SOAPVersion = 2
)

// SOAP envelope namespaces.
const (
	NamespaceSOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
	NamespaceSOAP12 = "http://www.w3.org/2003/05/soap-envelope"
)

// Namespace returns the envelope namespace of the version, or "" for an
// unknown version.
func (v SOAPVersion) Namespace() string {
	switch v {
	case SOAP11:
		return NamespaceSOAP11
	case SOAP12:
		return NamespaceSOAP12
	}
	return ""
}

// ContentType returns the Content-Type of a response in this version:
// text/xml for SOAP 1.1 and application/soap+xml otherwise, matching the
// SOAP 1.2 envelope that SOAPFault and SOAPEmptyResponse write for an unknown
// version.
func (v SOAPVersion) ContentType() string {
	if v == SOAP11 {
		return "text/xml; charset=utf-8"
	}
	return "application/soap+xml; charset=utf-8"
}

// String returns "SOAP 1.1", "SOAP 1.2" or "unknown SOAP version".
func (v SOAPVersion) String() string {
	switch v {
	case SOAP11:
		return "SOAP 1.1"
	case SOAP12:
		return "SOAP 1.2"
	}
	return "unknown SOAP version"
}

// DecodeSOAP reads a SOAP 1.1 or 1.2 envelope whose Body's first element is
// the BatchCustomerCreation DTO, decoded by the rules of DecodeXML. A Header
// is skipped, and so are Body elements after the DTO. The version is returned
// whenever the envelope was recognised, also with an error, so that the fault
// can be written in the client's version.
//
// Every error is a *DecodeError.
func DecodeSOAP(r io.Reader) (*BatchCustomerCreation, SOAPVersion, error) {
	return DecodeSOAPWith(r, DecodeOptions{})
}

// DecodeSOAPWith is DecodeSOAP within opts.
func DecodeSOAPWith(r io.Reader, opts DecodeOptions) (*BatchCustomerCreation, SOAPVersion, error) {
	body, src, err := openBody(r)
	if err != nil {
		return nil, 0, err
	}
	x := newXMLReader(body, src, opts)
	envelope, err := x.firstElement("a SOAP Envelope")
	if err != nil {
		return nil, 0, err
	}

	var version SOAPVersion
	switch {
	case envelope.Name.Local == "Envelope" && envelope.Name.Space == NamespaceSOAP11:
		version = SOAP11
	case envelope.Name.Local == "Envelope" && envelope.Name.Space == NamespaceSOAP12:
		version = SOAP12
	default:
		return nil, 0, decodeErrorf("", "the root element is <%s> in namespace %q; expected a SOAP <Envelope> "+
			"in namespace %q (SOAP 1.2) or %q (SOAP 1.1)",
			envelope.Name.Local, envelope.Name.Space, NamespaceSOAP12, NamespaceSOAP11)
	}

	b, err := x.decodeEnvelope(version)
	if err != nil {
		return nil, version, err
	}
	if err := x.expectEnd(); err != nil {
		return nil, version, err
	}
	return b, version, nil
}

// decodeEnvelope reads the envelope's children after its start tag.
func (x *xmlReader) decodeEnvelope(version SOAPVersion) (*BatchCustomerCreation, error) {
	ns := version.Namespace()
	var b *BatchCustomerCreation
	for {
		tok, err := x.next("")
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.CharData:
			if err := rejectText("", t); err != nil {
				return nil, err
			}
		case xml.EndElement:
			if b == nil {
				return nil, decodeErrorf("", "the SOAP Envelope has no Body")
			}
			return b, nil
		case xml.StartElement:
			switch {
			case t.Name.Space == ns && t.Name.Local == "Header" && b == nil:
				if err := x.skip(""); err != nil {
					return nil, err
				}
			case t.Name.Space == ns && t.Name.Local == "Body" && b == nil:
				if b, err = x.decodeBody(); err != nil {
					return nil, err
				}
			default:
				return nil, decodeErrorf("", "unexpected element <%s> in the SOAP Envelope; expected "+
					"an optional Header and one Body in namespace %q", t.Name.Local, ns)
			}
		}
	}
}

// decodeBody reads the DTO from the Body and skips what follows it.
func (x *xmlReader) decodeBody() (*BatchCustomerCreation, error) {
	var b *BatchCustomerCreation
	for {
		tok, err := x.next("")
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.CharData:
			if err := rejectText("", t); err != nil {
				return nil, err
			}
		case xml.EndElement:
			if b == nil {
				return nil, decodeErrorf("", "the SOAP Body is empty; expected a <BatchCustomerCreation> element")
			}
			return b, nil
		case xml.StartElement:
			if b != nil {
				if err := x.skip(""); err != nil {
					return nil, err
				}
				continue
			}
			if b, err = x.decodeRoot(t); err != nil {
				return nil, err
			}
		}
	}
}

// SOAPEmptyResponse returns the success response to a SOAP request: an
// envelope of the request's version with an empty Body.
func SOAPEmptyResponse(v SOAPVersion) []byte {
	var buf bytes.Buffer
	buf.WriteString(xmlDeclaration)
	buf.WriteString(`<soap:Envelope xmlns:soap="` + soapNamespaceOrDefault(v) + `">`)
	buf.WriteString(`<soap:Body /></soap:Envelope>`)
	return buf.Bytes()
}

// soapNamespaceOrDefault returns the envelope namespace of v, or SOAP 1.2's
// for an unknown version because the metadata page shows SOAP 1.2.
func soapNamespaceOrDefault(v SOAPVersion) string {
	if v == SOAP11 {
		return NamespaceSOAP11
	}
	return NamespaceSOAP12
}
