package wire

import (
	"bytes"
	"encoding/json"
	"strings"
	"text/template"
	"unicode/utf8"
)

// Error codes of the error bodies written before the service runs.
const (
	ErrorCodeSerialization  = "SerializationException"
	ErrorCodeNotImplemented = "NotImplementedException"
)

// ResponseError is one entry of ResponseStatus.Errors.
type ResponseError struct {
	ErrorCode string
	FieldName string
	Message   string
}

// ResponseStatus is ServiceStack's error status, the only member of the
// ErrorResponse body. StackTrace is always null because the host runs with
// debug mode off.
type ResponseStatus struct {
	ErrorCode string
	Message   string
	Errors    []ResponseError
	// ErrorsNil renders Errors as null: omitted in JSON and
	// <Errors i:nil="true" /> in XML. ServiceStack does so for errors raised
	// before the service runs (parse errors, unknown operation); otherwise
	// Errors is a list, possibly empty.
	ErrorsNil bool
}

// SerializationStatus returns the status of a body that could not be
// decoded: SerializationException with SerializationMessage and null Errors.
func SerializationStatus(contentType string, err error) ResponseStatus {
	return ResponseStatus{
		ErrorCode: ErrorCodeSerialization,
		Message:   SerializationMessage(contentType, err),
		ErrorsNil: true,
	}
}

// ValidationStatus returns the status of a request that failed validation:
// the first error's code and message on top and one entry per error, as
// ServiceStack's validation feature writes it. Without errors the status has
// no code or message.
func ValidationStatus(errs []FieldError) ResponseStatus {
	st := ResponseStatus{Errors: make([]ResponseError, 0, len(errs))}
	for _, e := range errs {
		st.Errors = append(st.Errors, ResponseError(e))
	}
	if len(errs) > 0 {
		st.ErrorCode = errs[0].ErrorCode
		st.Message = errs[0].Message
	}
	return st
}

// SerializationMessage returns the message ServiceStack gives a body it cannot
// deserialize; the unbalanced quote is in the original.
func SerializationMessage(contentType string, err error) string {
	detail := ""
	if err != nil {
		detail = err.Error()
	}
	return "Could not deserialize '" + contentType +
		"' request using PortaPlus2.API.Web.Dto.BatchCustomerCreation'\nError: " + detail
}

// xmlDeclaration starts every XML response, as ServiceStack's XmlSerializer
// writes one.
const xmlDeclaration = `<?xml version="1.0" encoding="utf-8"?>`

// responseTemplates write the ErrorResponse the way DataContractSerializer
// does: no indentation, members in DataContract order (ErrorCode, Message,
// StackTrace, Errors; ResponseError: ErrorCode, FieldName, Message), and ""
// as i:nil. encoding/xml cannot write the i: prefix or this member order
// from plain structs. The SOAP faults carry the same ErrorResponse in their
// Detail; Reason and faultstring hold the message.
var responseTemplates = template.Must(template.New("").Funcs(template.FuncMap{
	"member": xmlMember,
	"text":   xmlText,
}).Parse(`
{{- define "ErrorResponse" -}}
<ErrorResponse xmlns:i="` + NamespaceXSI + `" xmlns="` + NamespaceTypes + `">
{{- "" }}<ResponseStatus>{{ member "ErrorCode" .ErrorCode }}{{ member "Message" .Message }}<StackTrace i:nil="true" />
{{- if .ErrorsNil }}<Errors i:nil="true" />
{{- else if not .Errors }}<Errors />
{{- else }}<Errors>
{{- range .Errors }}<ResponseError>{{ member "ErrorCode" .ErrorCode }}{{ member "FieldName" .FieldName }}{{ member "Message" .Message }}</ResponseError>{{ end -}}
</Errors>
{{- end }}</ResponseStatus></ErrorResponse>
{{- end -}}

{{- define "document" -}}` + xmlDeclaration + `{{ template "ErrorResponse" . }}{{- end -}}

{{- define "soap11" -}}` + xmlDeclaration + `<soap:Envelope xmlns:soap="` + NamespaceSOAP11 + `">
{{- "" }}<soap:Body><soap:Fault><faultcode>soap:{{ .Code }}</faultcode><faultstring>{{ text .Reason }}</faultstring>
{{- "" }}<detail>{{ template "ErrorResponse" .Status }}</detail></soap:Fault></soap:Body></soap:Envelope>
{{- end -}}

{{- define "soap12" -}}` + xmlDeclaration + `<soap:Envelope xmlns:soap="` + NamespaceSOAP12 + `">
{{- "" }}<soap:Body><soap:Fault><soap:Code><soap:Value>soap:{{ .Code }}</soap:Value></soap:Code>
{{- "" }}<soap:Reason><soap:Text xml:lang="en">{{ text .Reason }}</soap:Text></soap:Reason>
{{- "" }}<soap:Detail>{{ template "ErrorResponse" .Status }}</soap:Detail></soap:Fault></soap:Body></soap:Envelope>
{{- end -}}
`))

// ErrorResponseXML returns the application/xml ErrorResponse body of st.
func ErrorResponseXML(st ResponseStatus) []byte {
	return execute("document", st)
}

// serverFaultCodes are the error codes of failures on the service's side;
// SOAP faults blame the receiver (Receiver/Server) for them and the sender
// (Sender/Client) for everything else.
var serverFaultCodes = map[string]bool{
	"ServiceUnavailable":  true,
	"InternalServerError": true,
}

// SOAPFault returns a SOAP Fault of version v (SOAP 1.2 when v is unknown)
// whose Reason (faultstring in SOAP 1.1) is st.Message, or st.ErrorCode when
// the message is empty, and whose Detail holds the ErrorResponse of st.
func SOAPFault(v SOAPVersion, st ResponseStatus) []byte {
	fault := struct {
		Code   string
		Reason string
		Status ResponseStatus
	}{Reason: st.Message, Status: st}
	if fault.Reason == "" {
		fault.Reason = st.ErrorCode
	}

	if v == SOAP11 {
		fault.Code = "Client"
		if serverFaultCodes[st.ErrorCode] {
			fault.Code = "Server"
		}
		return execute("soap11", fault)
	}
	fault.Code = "Sender"
	if serverFaultCodes[st.ErrorCode] {
		fault.Code = "Receiver"
	}
	return execute("soap12", fault)
}

func execute(name string, data any) []byte {
	var buf bytes.Buffer
	// The templates are fixed, their functions return no error and a
	// bytes.Buffer never fails to write, so an error here is a bug in this
	// file that the tests would show.
	if err := responseTemplates.ExecuteTemplate(&buf, name, data); err != nil {
		panic("wire: render " + name + ": " + err.Error())
	}
	return buf.Bytes()
}

// xmlMember writes <name>text</name>, or <name i:nil="true" /> for "".
func xmlMember(name, value string) string {
	if value == "" {
		return "<" + name + ` i:nil="true" />`
	}
	return "<" + name + ">" + xmlText(value) + "</" + name + ">"
}

// xmlText escapes s for element content. Carriage returns are written as
// character references so that a parser keeps them, and characters XML
// cannot carry (most control characters, invalid UTF-8) become U+FFFD.
func xmlText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '\r':
			b.WriteString("&#xD;")
		case !isXMLChar(r):
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isXMLChar reports whether r may appear in an XML 1.0 document.
func isXMLChar(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' ||
		(r >= 0x20 && r <= 0xD7FF) ||
		(r >= 0xE000 && r <= 0xFFFD) ||
		(r >= 0x10000 && r <= utf8.MaxRune)
}

// ErrorResponseJSON returns the JSON ErrorResponse body of st:
// {"ResponseStatus":{...}} with null and "" members left out and without
// StackTrace, as ServiceStack's serializer writes it.
func ErrorResponseJSON(st ResponseStatus) []byte {
	type jsonError struct {
		ErrorCode string `json:",omitempty"`
		FieldName string `json:",omitempty"`
		Message   string `json:",omitempty"`
	}
	type jsonStatus struct {
		ErrorCode string       `json:",omitempty"`
		Message   string       `json:",omitempty"`
		Errors    *[]jsonError `json:",omitempty"`
	}

	status := jsonStatus{ErrorCode: st.ErrorCode, Message: st.Message}
	if !st.ErrorsNil {
		list := make([]jsonError, 0, len(st.Errors))
		for _, e := range st.Errors {
			list = append(list, jsonError(e))
		}
		status.Errors = &list
	}

	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// ServiceStack writes <, > and & as they are.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(struct{ ResponseStatus jsonStatus }{status}); err != nil {
		panic("wire: encode ErrorResponse: " + err.Error()) // strings always encode
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}
