package wire_test

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portaplus2/batchcustomers/wire"
)

// validationErrors is the validation example of the wire contract.
var validationErrors = []wire.FieldError{
	{
		ErrorCode: "NotEmpty",
		FieldName: "CustData[1].Customer.Customer.CustomerStatus.ISO4217",
		Message:   "ISO4217 is required",
	},
	{
		ErrorCode: "Duplicate",
		FieldName: "CustData[2].Account.AccountRequest.AccountsToCreate[0].AcntId",
		Message:   "account id 12025550101 appears twice in the batch",
	},
}

func TestSerializationMessage(t *testing.T) {
	err := &wire.DecodeError{Field: "ProductID", Message: `"x" is not an integer`}
	assert.Equal(t,
		"Could not deserialize 'application/xml' request using PortaPlus2.API.Web.Dto.BatchCustomerCreation'\n"+
			`Error: ProductID: "x" is not an integer`,
		wire.SerializationMessage("application/xml", err))
	assert.Equal(t,
		"Could not deserialize 'application/json' request using PortaPlus2.API.Web.Dto.BatchCustomerCreation'\nError: ",
		wire.SerializationMessage("application/json", nil))
}

func TestErrorResponseXMLSerialization(t *testing.T) {
	st := wire.SerializationStatus("application/xml", errors.New("bad <body> & more"))
	want := `<?xml version="1.0" encoding="utf-8"?>` +
		`<ErrorResponse xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.servicestack.net/types">` +
		`<ResponseStatus><ErrorCode>SerializationException</ErrorCode>` +
		"<Message>Could not deserialize 'application/xml' request using PortaPlus2.API.Web.Dto.BatchCustomerCreation'\n" +
		`Error: bad &lt;body&gt; &amp; more</Message>` +
		`<StackTrace i:nil="true" /><Errors i:nil="true" /></ResponseStatus></ErrorResponse>`

	assert.Equal(t, want, string(wire.ErrorResponseXML(st)))
}

func TestErrorResponseXMLValidation(t *testing.T) {
	want := `<?xml version="1.0" encoding="utf-8"?>` +
		`<ErrorResponse xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.servicestack.net/types">` +
		`<ResponseStatus><ErrorCode>NotEmpty</ErrorCode><Message>ISO4217 is required</Message><StackTrace i:nil="true" />` +
		`<Errors><ResponseError><ErrorCode>NotEmpty</ErrorCode>` +
		`<FieldName>CustData[1].Customer.Customer.CustomerStatus.ISO4217</FieldName><Message>ISO4217 is required</Message></ResponseError>` +
		`<ResponseError><ErrorCode>Duplicate</ErrorCode>` +
		`<FieldName>CustData[2].Account.AccountRequest.AccountsToCreate[0].AcntId</FieldName>` +
		`<Message>account id 12025550101 appears twice in the batch</Message></ResponseError></Errors>` +
		`</ResponseStatus></ErrorResponse>`

	assert.Equal(t, want, string(wire.ErrorResponseXML(wire.ValidationStatus(validationErrors))))
}

func TestErrorResponseXMLEmptyErrors(t *testing.T) {
	got := string(wire.ErrorResponseXML(wire.ResponseStatus{ErrorCode: "Unauthorized"}))
	assert.Contains(t, got, `<ErrorCode>Unauthorized</ErrorCode><Message i:nil="true" /><StackTrace i:nil="true" /><Errors /></ResponseStatus>`)

	got = string(wire.ErrorResponseXML(wire.ResponseStatus{Errors: []wire.ResponseError{{ErrorCode: "Invalid"}}}))
	assert.Contains(t, got, `<ResponseError><ErrorCode>Invalid</ErrorCode><FieldName i:nil="true" /><Message i:nil="true" /></ResponseError>`)
}

// parsedStatus is how a client reads the XML ErrorResponse back.
type parsedStatus struct {
	ErrorCode string `xml:"ResponseStatus>ErrorCode"`
	Message   string `xml:"ResponseStatus>Message"`
	Errors    []struct {
		FieldName string `xml:"FieldName"`
		Message   string `xml:"Message"`
	} `xml:"ResponseStatus>Errors>ResponseError"`
}

func TestErrorResponseXMLEscaping(t *testing.T) {
	message := "a < b && c > d \"q\" 'a'\r\nline\ttab \x01\x1f \xff é 😀 \uFFFE"
	body := wire.ErrorResponseXML(wire.ResponseStatus{
		ErrorCode: "Invalid",
		Message:   message,
		Errors:    []wire.ResponseError{{FieldName: "CustData[0].AliasNumber", Message: "<&>"}},
	})

	var got parsedStatus
	require.NoError(t, xml.Unmarshal(body, &got), string(body))
	assert.Equal(t, "a < b && c > d \"q\" 'a'\r\nline\ttab \uFFFD\uFFFD \uFFFD é 😀 \uFFFD", got.Message)
	assert.Equal(t, "<&>", got.Errors[0].Message)
	assert.Equal(t, "CustData[0].AliasNumber", got.Errors[0].FieldName)
}

func TestErrorResponseJSON(t *testing.T) {
	tests := []struct {
		name string
		give wire.ResponseStatus
		want string
	}{
		{
			name: "validation",
			give: wire.ValidationStatus(validationErrors),
			want: `{"ResponseStatus":{"ErrorCode":"NotEmpty","Message":"ISO4217 is required","Errors":[` +
				`{"ErrorCode":"NotEmpty","FieldName":"CustData[1].Customer.Customer.CustomerStatus.ISO4217","Message":"ISO4217 is required"},` +
				`{"ErrorCode":"Duplicate","FieldName":"CustData[2].Account.AccountRequest.AccountsToCreate[0].AcntId","Message":"account id 12025550101 appears twice in the batch"}]}}`,
		},
		{
			name: "serialization",
			give: wire.SerializationStatus("application/json", errors.New(`bad "<x>" & y`)),
			want: `{"ResponseStatus":{"ErrorCode":"SerializationException","Message":"Could not deserialize 'application/json' ` +
				`request using PortaPlus2.API.Web.Dto.BatchCustomerCreation'\nError: bad \"<x>\" & y"}}`,
		},
		{
			name: "empty errors",
			give: wire.ResponseStatus{ErrorCode: "ServiceUnavailable", Message: "try again later"},
			want: `{"ResponseStatus":{"ErrorCode":"ServiceUnavailable","Message":"try again later","Errors":[]}}`,
		},
		{
			name: "unset members",
			give: wire.ResponseStatus{Errors: []wire.ResponseError{{ErrorCode: "Invalid"}}},
			want: `{"ResponseStatus":{"Errors":[{"ErrorCode":"Invalid"}]}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := wire.ErrorResponseJSON(tt.give)
			assert.Equal(t, tt.want, string(got))
			assert.True(t, json.Valid(got))
		})
	}
}

func TestSOAPFault(t *testing.T) {
	st := wire.SerializationStatus("text/xml", errors.New("bad body"))
	errorResponse := string(wire.ErrorResponseXML(st))
	errorResponse = strings.TrimPrefix(errorResponse, `<?xml version="1.0" encoding="utf-8"?>`)

	t.Run("SOAP 1.1", func(t *testing.T) {
		want := `<?xml version="1.0" encoding="utf-8"?>` +
			`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>` +
			`<faultcode>soap:Client</faultcode>` +
			"<faultstring>Could not deserialize 'text/xml' request using PortaPlus2.API.Web.Dto.BatchCustomerCreation'\nError: bad body</faultstring>" +
			`<detail>` + errorResponse + `</detail></soap:Fault></soap:Body></soap:Envelope>`
		assert.Equal(t, want, string(wire.SOAPFault(wire.SOAP11, st)))
	})

	t.Run("SOAP 1.2", func(t *testing.T) {
		want := `<?xml version="1.0" encoding="utf-8"?>` +
			`<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body><soap:Fault>` +
			`<soap:Code><soap:Value>soap:Sender</soap:Value></soap:Code>` +
			`<soap:Reason><soap:Text xml:lang="en">Could not deserialize 'text/xml' request using ` +
			"PortaPlus2.API.Web.Dto.BatchCustomerCreation'\nError: bad body</soap:Text></soap:Reason>" +
			`<soap:Detail>` + errorResponse + `</soap:Detail></soap:Fault></soap:Body></soap:Envelope>`
		assert.Equal(t, want, string(wire.SOAPFault(wire.SOAP12, st)))
	})

	t.Run("server faults and empty messages", func(t *testing.T) {
		unavailable := wire.ResponseStatus{ErrorCode: "ServiceUnavailable"}
		assert.Contains(t, string(wire.SOAPFault(wire.SOAP11, unavailable)),
			"<faultcode>soap:Server</faultcode><faultstring>ServiceUnavailable</faultstring>")
		assert.Contains(t, string(wire.SOAPFault(wire.SOAP12, unavailable)), "<soap:Value>soap:Receiver</soap:Value>")
		assert.Contains(t, string(wire.SOAPFault(0, unavailable)), wire.NamespaceSOAP12)
	})

	t.Run("well-formed with validation errors", func(t *testing.T) {
		var soap11 struct {
			Detail parsedStatus `xml:"Body>Fault>detail>ErrorResponse"`
		}
		require.NoError(t, xml.Unmarshal(wire.SOAPFault(wire.SOAP11, wire.ValidationStatus(validationErrors)), &soap11))
		assert.Equal(t, "NotEmpty", soap11.Detail.ErrorCode)
		assert.Len(t, soap11.Detail.Errors, 2)

		var soap12 struct {
			Detail parsedStatus `xml:"Body>Fault>Detail>ErrorResponse"`
		}
		require.NoError(t, xml.Unmarshal(wire.SOAPFault(wire.SOAP12, wire.ValidationStatus(validationErrors)), &soap12))
		assert.Equal(t, "NotEmpty", soap12.Detail.ErrorCode)
		assert.Len(t, soap12.Detail.Errors, 2)
	})
}

func TestSOAPEmptyResponse(t *testing.T) {
	assert.Equal(t, `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body /></soap:Envelope>`,
		string(wire.SOAPEmptyResponse(wire.SOAP11)))
	assert.Equal(t, `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body /></soap:Envelope>`,
		string(wire.SOAPEmptyResponse(wire.SOAP12)))
}

func TestValidationStatus(t *testing.T) {
	st := wire.ValidationStatus(validationErrors)
	assert.Equal(t, "NotEmpty", st.ErrorCode)
	assert.Equal(t, "ISO4217 is required", st.Message)
	assert.False(t, st.ErrorsNil)
	assert.Len(t, st.Errors, 2)
	assert.Equal(t, wire.ResponseError(validationErrors[1]), st.Errors[1])
}
