package wire

import (
	"bytes"
	"io"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
)

// sourceEncoding is the byte encoding a body arrived in, found from its
// byte order mark or its first bytes.
type sourceEncoding int

const (
	sourceUTF8 sourceEncoding = iota
	sourceUTF16LE
	sourceUTF16BE
)

func (s sourceEncoding) isUTF16() bool {
	return s != sourceUTF8
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// readBody reads the whole body and returns it as UTF-8 when it arrived as
// UTF-16, or unchanged otherwise (minus a UTF-8 byte order mark). Bytes of a
// single-byte charset that an XML declaration names are left for the XML
// decoder's CharsetReader.
func readBody(r io.Reader) ([]byte, sourceEncoding, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, sourceUTF8, wrapDecodeError("", err, "read the request body: %v", err)
	}

	switch {
	case bytes.HasPrefix(raw, utf8BOM):
		return raw[len(utf8BOM):], sourceUTF8, nil
	case bytes.HasPrefix(raw, []byte{0xFF, 0xFE}):
		return decodeUTF16(raw[2:], sourceUTF16LE)
	case bytes.HasPrefix(raw, []byte{0xFE, 0xFF}):
		return decodeUTF16(raw[2:], sourceUTF16BE)
	}

	// Without a byte order mark, UTF-16 shows as a zero byte next to the
	// first character ('<' or '{'), which is ASCII in every body we accept.
	if len(raw) >= 2 && raw[0] != 0 && raw[1] == 0 {
		return decodeUTF16(raw, sourceUTF16LE)
	}
	if len(raw) >= 2 && raw[0] == 0 && raw[1] != 0 {
		return decodeUTF16(raw, sourceUTF16BE)
	}
	return raw, sourceUTF8, nil
}

// decodeUTF16 converts UTF-16 bytes to UTF-8, rejecting an odd length and
// unpaired surrogates instead of replacing them.
func decodeUTF16(raw []byte, enc sourceEncoding) ([]byte, sourceEncoding, error) {
	if len(raw)%2 != 0 {
		return nil, enc, decodeErrorf("", "the body looks like UTF-16 but has an odd number of bytes; "+
			"send complete UTF-16 or UTF-8")
	}

	units := make([]uint16, len(raw)/2)
	for i := range units {
		hi, lo := raw[2*i+1], raw[2*i]
		if enc == sourceUTF16BE {
			hi, lo = lo, hi
		}
		units[i] = uint16(hi)<<8 | uint16(lo)
	}

	out := make([]byte, 0, len(units))
	for i := 0; i < len(units); i++ {
		u := rune(units[i])
		if !utf16.IsSurrogate(u) {
			out = utf8.AppendRune(out, u)
			continue
		}
		if i+1 < len(units) {
			if r := utf16.DecodeRune(u, rune(units[i+1])); r != utf8.RuneError {
				out = utf8.AppendRune(out, r)
				i++
				continue
			}
		}
		return nil, enc, decodeErrorf("", "the UTF-16 body has an unpaired surrogate at byte %d", 2*i)
	}
	return out, enc, nil
}

// singleByteCharsets are the non-Unicode encodings an XML declaration may
// name: Latin-1, its Windows superset 1252 and its euro-sign variant
// ISO-8859-15, the legacy charsets of Western European clients.
var singleByteCharsets = map[string]encoding.Encoding{
	"iso-8859-1":   charmap.ISO8859_1,
	"iso8859-1":    charmap.ISO8859_1,
	"iso_8859-1":   charmap.ISO8859_1,
	"latin1":       charmap.ISO8859_1,
	"l1":           charmap.ISO8859_1,
	"cp819":        charmap.ISO8859_1,
	"windows-1252": charmap.Windows1252,
	"cp1252":       charmap.Windows1252,
	"iso-8859-15":  charmap.ISO8859_15,
	"iso8859-15":   charmap.ISO8859_15,
	"latin-9":      charmap.ISO8859_15,
}

// utf16Labels are the encoding names that declare a UTF-16 document.
var utf16Labels = map[string]bool{
	"utf-16": true, "utf-16le": true, "utf-16be": true, "utf16": true, "unicode": true,
}

// asciiLabels name encodings that are subsets of UTF-8.
var asciiLabels = map[string]bool{
	"utf8": true, "us-ascii": true, "ascii": true,
}

// charsetReader returns an xml.Decoder CharsetReader for a body that arrived
// in src. The decoder calls it for any declared encoding other than UTF-8.
// A declaration that contradicts the bytes is an error rather than a guess,
// so the client learns to fix one or the other.
func charsetReader(src sourceEncoding) func(string, io.Reader) (io.Reader, error) {
	return func(label string, input io.Reader) (io.Reader, error) {
		name := strings.ToLower(strings.TrimSpace(label))
		switch {
		case utf16Labels[name] && src.isUTF16():
			// readBody has already converted the bytes to UTF-8.
			return input, nil
		case utf16Labels[name]:
			return nil, decodeErrorf("", "the declared encoding %q does not match the body, which is "+
				"UTF-8 bytes without a UTF-16 byte order mark; declare encoding=\"utf-8\" "+
				"or send UTF-16 bytes", label)
		case src.isUTF16():
			return nil, decodeErrorf("", "the declared encoding %q does not match the body, which "+
				"is UTF-16; declare encoding=\"utf-16\" or send the declared encoding", label)
		case asciiLabels[name]:
			return input, nil
		}
		if enc, ok := singleByteCharsets[name]; ok {
			return enc.NewDecoder().Reader(input), nil
		}
		return nil, decodeErrorf("", "unsupported XML encoding %q; send UTF-8 or UTF-16", label)
	}
}

// checkDeclaredUTF8 rejects a UTF-16 body whose declaration names UTF-8,
// because the XML decoder calls the CharsetReader only for other encodings.
func checkDeclaredUTF8(declaration string, src sourceEncoding) error {
	if !src.isUTF16() {
		return nil
	}
	label, ok := declarationEncoding(declaration)
	if !ok || !strings.EqualFold(strings.TrimSpace(label), "utf-8") {
		return nil
	}
	return decodeErrorf("", "the declared encoding %q does not match the body, which is UTF-16; "+
		"declare encoding=\"utf-16\" or send UTF-8 bytes", label)
}

// declarationEncoding returns the encoding pseudo-attribute of an XML
// declaration's content, such as `version="1.0" encoding="utf-8"`.
func declarationEncoding(declaration string) (string, bool) {
	_, rest, found := strings.Cut(declaration, "encoding")
	if !found {
		return "", false
	}
	rest = strings.TrimLeft(rest, " \t\r\n")
	rest, found = strings.CutPrefix(rest, "=")
	if !found {
		return "", false
	}
	rest = strings.TrimLeft(rest, " \t\r\n")
	if rest == "" || (rest[0] != '"' && rest[0] != '\'') {
		return "", false
	}
	value, _, found := strings.Cut(rest[1:], rest[:1])
	return value, found
}

// checkUTF8 rejects a body that is not valid UTF-8. encoding/json would
// replace the bad bytes with U+FFFD and carry on.
func checkUTF8(body []byte) error {
	if utf8.Valid(body) {
		return nil
	}
	offset := 0
	for offset < len(body) {
		r, size := utf8.DecodeRune(body[offset:])
		if r == utf8.RuneError && size == 1 {
			break
		}
		offset += size
	}
	return decodeErrorf("", "the body is not valid UTF-8 (first bad byte at offset %d); send UTF-8", offset)
}
