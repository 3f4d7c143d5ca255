package wire

import (
	"io"
	"strings"

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
