package wire_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/portaplus2/batchcustomers/wire"
)

// The decoders read the body as a stream, so a body that arrives a byte at
// a time, with characters and UTF-16 pairs cut between reads, decodes the
// same as one read whole.
func TestDecodeByteByByte(t *testing.T) {
	xmlSample := readSample(t, sampleXMLFile)
	jsonSample := readSample(t, sampleJSONFile)
	// A name of two- to four-byte characters, so that reads cut them.
	const name = "Zoë 東京 😀"
	xmlText := strings.Replace(xmlSample, "Alice", name, 1)
	jsonText := strings.Replace(jsonSample, "Alice", name, 1)
	wantXML := mustDecodeXML(t, xmlText)
	wantJSON := mustDecodeJSON(t, jsonText)
	decoded, err := json.Marshal(wantXML)
	require.NoError(t, err)
	require.Contains(t, string(decoded), name)

	for _, tt := range []struct {
		name string
		give []byte
		json bool
	}{
		{"XML", []byte(xmlText), false},
		{"XML in UTF-16LE", toUTF16(xmlText, binary.LittleEndian, true), false},
		{"XML in UTF-16BE without BOM", toUTF16(xmlText, binary.BigEndian, false), false},
		{"JSON", []byte(jsonText), true},
		{"JSON after a UTF-8 BOM", append(append([]byte{}, utf8BOM...), jsonText...), true},
		{"JSON in UTF-16LE", toUTF16(jsonText, binary.LittleEndian, true), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := iotest.OneByteReader(bytes.NewReader(tt.give))
			if tt.json {
				b, err := wire.DecodeJSON(r)
				require.NoError(t, err)
				assert.Equal(t, wantJSON, b)
				return
			}
			b, err := wire.DecodeXML(r)
			require.NoError(t, err)
			assert.Equal(t, wantXML, b)
		})
	}
}

// The offset of a bad UTF-8 byte counts from the start of the body, also
// after leading white space and across reads.
func TestDecodeJSONBadByteOffset(t *testing.T) {
	sample := readSample(t, sampleJSONFile)
	body := "  \n" + strings.Replace(sample, "Alice", "Al\xffce", 1)
	want := strings.Index(body, "\xff")

	for _, r := range []io.Reader{strings.NewReader(body), iotest.OneByteReader(strings.NewReader(body))} {
		_, err := wire.DecodeJSON(r)
		requireDecodeError(t, err, "", "not valid UTF-8", fmt.Sprintf("offset %d", want))
	}

	t.Run("cut at the end", func(t *testing.T) {
		_, err := wire.DecodeJSON(strings.NewReader(`{"ContentId":0,"FeatureName":"a` + "\xe6\x9d"))
		requireDecodeError(t, err, "", "not valid UTF-8")
	})
}

// White space longer than the read buffer before the document, or as the
// whole body, is read past.
func TestDecodeLongLeadingSpace(t *testing.T) {
	space := strings.Repeat(" \r\n\t", 50_000)
	sample := readSample(t, sampleXMLFile)

	b, err := wire.DecodeXML(strings.NewReader(space + sample))
	require.NoError(t, err)
	assert.Equal(t, mustDecodeXML(t, sample), b)

	b, err = wire.DecodeJSON(strings.NewReader(space))
	require.NoError(t, err)
	assert.Equal(t, &wire.BatchCustomerCreation{}, b)

	_, err = wire.DecodeJSON(strings.NewReader(space + "<BatchCustomerCreation/>"))
	requireDecodeError(t, err, "", "looks like XML")
}

// A read error part-way through the body, such as the server's size limit,
// reaches the caller unchanged behind the DecodeError.
func TestDecodeReadError(t *testing.T) {
	limit := errors.New("body too large")
	for name, sample := range map[string]string{"XML": sampleXMLFile, "JSON": sampleJSONFile, "SOAP": sampleSOAP12File} {
		t.Run(name, func(t *testing.T) {
			body := readSample(t, sample)
			r := io.MultiReader(strings.NewReader(body[:len(body)/2]), iotest.ErrReader(limit))
			var err error
			switch name {
			case "XML":
				_, err = wire.DecodeXML(r)
			case "JSON":
				_, err = wire.DecodeJSON(r)
			default:
				_, _, err = wire.DecodeSOAP(r)
			}
			var de *wire.DecodeError
			require.ErrorAs(t, err, &de)
			assert.ErrorIs(t, err, limit)
		})
	}
}

// Decoding stops at the first customer over the limit, and at the millionth
// list item of a document, before either can grow the DTO further.
func TestDecodeLimits(t *testing.T) {
	opts := wire.DecodeOptions{MaxCustomers: 2}
	_, err := wire.DecodeXMLWith(strings.NewReader(readSample(t, sampleXMLFile)), opts)
	var tooLong *wire.TooLongError
	require.ErrorAs(t, err, &tooLong)
	assert.Equal(t, wire.CodeTooLong, tooLong.ErrorCode)
	assert.Equal(t, "CustData", tooLong.FieldName)

	_, err = wire.DecodeJSONWith(strings.NewReader(readSample(t, sampleJSONFile)), opts)
	require.ErrorAs(t, err, &tooLong)
	_, _, err = wire.DecodeSOAPWith(strings.NewReader(readSample(t, sampleSOAP12File)), opts)
	require.ErrorAs(t, err, &tooLong)

	b, err := wire.DecodeJSONWith(strings.NewReader(readSample(t, sampleJSONFile)), wire.DecodeOptions{MaxCustomers: 3})
	require.NoError(t, err)
	assert.Len(t, b.CustData, 3)

	many := `{"CustData":[` + strings.Repeat(`{},`, 1_000_000) + `{}]}`
	_, err = wire.DecodeJSON(strings.NewReader(many))
	requireDecodeError(t, err, "CustData", "more than 1000000 list items")
}
