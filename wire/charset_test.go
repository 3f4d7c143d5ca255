package wire_test

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/charmap"

	"github.com/portaplus2/batchcustomers/wire"
)

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// toUTF16 encodes s as UTF-16 in the given byte order, with an optional
// byte order mark.
func toUTF16(s string, order binary.ByteOrder, bom bool) []byte {
	units := utf16.Encode([]rune(s))
	if bom {
		units = append([]uint16{0xFEFF}, units...)
	}
	out := make([]byte, 2*len(units))
	for i, u := range units {
		order.PutUint16(out[2*i:], u)
	}
	return out
}

// loneSurrogate puts a high surrogate without its low half in the place of
// the first "l" of "Alice" in a UTF-16LE body.
func loneSurrogate(body []byte) []byte {
	at := bytes.Index(body, toUTF16("Alice", binary.LittleEndian, false)) + 2
	out := append([]byte{}, body...)
	out[at], out[at+1] = 0x00, 0xD8
	return out
}

// Bodies from .NET clients: byte order marks, UTF-16 and single-byte
// charsets decode to the same DTO as plain UTF-8.
func TestDecodeEncodings(t *testing.T) {
	sample := readSample(t, sampleXMLFile)
	want := mustDecodeXML(t, sample)
	const utf16Declaration = `<?xml version="1.0" encoding="utf-16"?>` + "\n"

	tests := []struct {
		name string
		give []byte
	}{
		{
			name: "UTF-8 with BOM",
			give: append(append([]byte{}, utf8BOM...), sample...),
		},
		{
			name: "UTF-8 declared",
			give: []byte(`<?xml version="1.0" encoding="UTF-8"?>` + sample),
		},
		{
			name: "UTF-16LE with BOM and declaration",
			give: toUTF16(utf16Declaration+sample, binary.LittleEndian, true),
		},
		{
			name: "UTF-16BE with BOM and declaration",
			give: toUTF16(utf16Declaration+sample, binary.BigEndian, true),
		},
		{
			name: "UTF-16LE with BOM, no declaration",
			give: toUTF16(sample, binary.LittleEndian, true),
		},
		{
			name: "UTF-16LE without BOM",
			give: toUTF16(utf16Declaration+sample, binary.LittleEndian, false),
		},
		{
			name: "UTF-16BE without BOM",
			give: toUTF16(utf16Declaration+sample, binary.BigEndian, false),
		},
		{
			name: "us-ascii declared",
			give: []byte(`<?xml version="1.0" encoding="us-ascii"?>` + sample),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := wire.DecodeXML(bytes.NewReader(tt.give))
			require.NoError(t, err)
			assert.Equal(t, want, b)
		})
	}
}

func TestDecodeSingleByteCharsets(t *testing.T) {
	sample := readSample(t, sampleXMLFile)
	const firstName = "<d5p1:FirstName>Alice</d5p1:FirstName>\n            <d5p1:IMoh>"

	tests := []struct {
		label   string
		encoder *charmap.Charmap
		name    string
	}{
		{"iso-8859-1", charmap.ISO8859_1, "José"},
		{"ISO-8859-1", charmap.ISO8859_1, "Zoë"},
		{"latin1", charmap.ISO8859_1, "Ångström"},
		{"windows-1252", charmap.Windows1252, "José €"},
		{"iso-8859-15", charmap.ISO8859_15, "Jérôme €"},
	}
	for _, tt := range tests {
		t.Run(tt.label, func(t *testing.T) {
			text := edit(t, sample, firstName, "<d5p1:FirstName>"+tt.name+"</d5p1:FirstName>\n            <d5p1:IMoh>", 1)
			want := mustDecodeXML(t, text)
			encoded, err := tt.encoder.NewEncoder().String(`<?xml version="1.0" encoding="` + tt.label + `"?>` + text)
			require.NoError(t, err)
			require.NotEqual(t, text, encoded[strings.Index(encoded, "?>")+2:], "the name must use non-ASCII bytes")

			b, err := wire.DecodeXML(strings.NewReader(encoded))
			require.NoError(t, err)
			assert.Equal(t, tt.name, b.CustData[0].Customer.Customer.PersonalInformation.FirstName)
			assert.Equal(t, want, b)
		})
	}
}

func TestDecodeEncodingErrors(t *testing.T) {
	sample := readSample(t, sampleXMLFile)
	tests := []struct {
		name      string
		give      []byte
		wantParts []string
	}{
		{
			name:      "UTF-8 bytes declared as UTF-16",
			give:      []byte(`<?xml version="1.0" encoding="utf-16"?>` + sample),
			wantParts: []string{`"utf-16"`, "UTF-8 bytes", "byte order mark"},
		},
		{
			name:      "UTF-16 bytes declared as UTF-8",
			give:      toUTF16(`<?xml version="1.0" encoding="utf-8"?>`+sample, binary.LittleEndian, true),
			wantParts: []string{`"utf-8"`, "UTF-16"},
		},
		{
			name:      "UTF-16 bytes declared as Latin-1",
			give:      toUTF16(`<?xml version="1.0" encoding="iso-8859-1"?>`+sample, binary.LittleEndian, true),
			wantParts: []string{`"iso-8859-1"`, "UTF-16"},
		},
		{
			name:      "unsupported encoding",
			give:      []byte(`<?xml version="1.0" encoding="shift_jis"?>` + sample),
			wantParts: []string{`"shift_jis"`, "unsupported"},
		},
		{
			name:      "invalid UTF-8",
			give:      []byte(edit(t, sample, "Alice", "Al\xffce", 1)),
			wantParts: []string{"invalid UTF-8"},
		},
		{
			name:      "odd UTF-16 length",
			give:      toUTF16(sample, binary.LittleEndian, true)[:101],
			wantParts: []string{"odd number of bytes"},
		},
		{
			name:      "unpaired surrogate",
			give:      loneSurrogate(toUTF16(sample, binary.LittleEndian, true)),
			wantParts: []string{"unpaired surrogate"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := wire.DecodeXML(bytes.NewReader(tt.give))
			var de *wire.DecodeError
			require.ErrorAs(t, err, &de)
			for _, part := range tt.wantParts {
				assert.Contains(t, de.Message, part)
			}
		})
	}
}

func TestDecodeJSONEncodings(t *testing.T) {
	sample := readSample(t, sampleJSONFile)
	want := mustDecodeJSON(t, sample)

	for _, tt := range []struct {
		name string
		give []byte
	}{
		{"UTF-8 with BOM", append(append([]byte{}, utf8BOM...), sample...)},
		{"UTF-16LE with BOM", toUTF16(sample, binary.LittleEndian, true)},
		{"UTF-16BE without BOM", toUTF16(sample, binary.BigEndian, false)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b, err := wire.DecodeJSON(bytes.NewReader(tt.give))
			require.NoError(t, err)
			assert.Equal(t, want, b)
		})
	}

	t.Run("invalid UTF-8", func(t *testing.T) {
		_, err := wire.DecodeJSON(strings.NewReader(edit(t, sample, "Alice", "Al\xffce", 1)))
		requireDecodeError(t, err, "", "not valid UTF-8", "offset")
	})
}
