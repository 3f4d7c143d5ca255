package wire

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"reflect"
	"strings"
)

// Limits on hostile XML. The DTO tree is 12 elements deep (14 inside a SOAP
// envelope) and its longest name has 37 characters, so real requests stay
// far below them.
const (
	maxDepth      = 64
	maxNameLength = 256
	maxAttributes = 64
)

// DecodeXML reads a DataContract XML body. Elements are matched by namespace
// URI and local name, in any order, and unknown elements are skipped. These
// are errors: an element of a known member in another namespace, a repeated
// member, i:nil or an empty element on a number, bool, decimal or enum, and
// any DOCTYPE. An empty body gives an empty DTO, as on the ServiceStack host.
//
// The root's two License members are told apart by position: of two License
// elements the first is BaseLicense and the second License; a single one is
// BaseLicense before CustData and License after it.
//
// Every error is a *DecodeError.
func DecodeXML(r io.Reader) (*BatchCustomerCreation, error) {
	return DecodeXMLWith(r, DecodeOptions{})
}

// DecodeXMLWith is DecodeXML within opts.
func DecodeXMLWith(r io.Reader, opts DecodeOptions) (*BatchCustomerCreation, error) {
	body, src, err := openBody(r)
	if err != nil {
		return nil, err
	}
	first, _, err := firstNonSpace(body)
	switch {
	case err != nil:
		return nil, err
	case first == 0:
		return &BatchCustomerCreation{}, nil
	case first == '{' || first == '[':
		return nil, decodeErrorf("", "the body looks like JSON, but this route reads XML; "+
			"send it to a /json/ route or with Content-Type: application/json")
	}

	x := newXMLReader(body, src, opts)
	start, err := x.firstElement("a <BatchCustomerCreation> element")
	if err != nil {
		return nil, err
	}
	b, err := x.decodeRoot(start)
	if err != nil {
		return nil, err
	}
	if err := x.expectEnd(); err != nil {
		return nil, err
	}
	return b, nil
}

// xmlReader walks the tokens of one document and enforces the limits.
type xmlReader struct {
	dec   *xml.Decoder
	src   sourceEncoding
	opts  DecodeOptions
	depth int
	items int // list items decoded so far
	// charsetErr keeps the DecodeError the CharsetReader returned, which the
	// xml package wraps in its own error.
	charsetErr error
}

func newXMLReader(body io.Reader, src sourceEncoding, opts DecodeOptions) *xmlReader {
	x := &xmlReader{src: src, opts: opts}
	x.dec = xml.NewDecoder(body)
	x.dec.Strict = true
	pick := charsetReader(src)
	x.dec.CharsetReader = func(label string, input io.Reader) (io.Reader, error) {
		r, err := pick(label, input)
		if err != nil {
			x.charsetErr = err
		}
		return r, err
	}
	return x
}

// next returns the next token. path names the element being read, for
// error messages.
func (x *xmlReader) next(path string) (xml.Token, error) {
	tok, err := x.dec.Token()
	if err != nil {
		return nil, x.tokenError(path, err)
	}

	switch t := tok.(type) {
	case xml.StartElement:
		x.depth++
		if x.depth > maxDepth {
			return nil, decodeErrorf(path, "elements are nested more than %d levels deep", maxDepth)
		}
		if err := checkNames(path, t); err != nil {
			return nil, err
		}
	case xml.EndElement:
		x.depth--
	case xml.Directive:
		return nil, decodeErrorf(path, "DOCTYPE and entity declarations are not allowed; "+
			"remove the <!%s> declaration", firstWord(t))
	case xml.ProcInst:
		if t.Target == "xml" {
			if err := checkDeclaredUTF8(string(t.Inst), x.src); err != nil {
				return nil, err
			}
		}
	}
	return tok, nil
}

func (x *xmlReader) tokenError(path string, err error) error {
	if x.charsetErr != nil {
		return x.charsetErr
	}
	var decodeErr *DecodeError
	var syntax *xml.SyntaxError
	switch {
	case errors.As(err, &decodeErr):
		// The body stream's own error: bad UTF-16.
		return decodeErr
	case errors.As(err, &syntax) && secretMember(path):
		// The parser's message quotes the offending text, which is part
		// of a password or licence here.
		return wrapDecodeError(path, err, "malformed XML at line %d in a secret member; "+
			"escape & as &amp; and < as &lt;", syntax.Line)
	case errors.As(err, &syntax):
		return wrapDecodeError(path, err, "malformed XML at line %d: %s", syntax.Line, syntax.Msg)
	case errors.Is(err, io.EOF):
		// Inside an element encoding/xml reports a SyntaxError, so a bare EOF
		// only comes between top-level tokens; the callers there rephrase it.
		return wrapDecodeError(path, io.EOF, "the XML body ends early")
	}
	return wrapDecodeError(path, err, "read XML: %v", err)
}

func checkNames(path string, t xml.StartElement) error {
	if len(t.Name.Local) > maxNameLength || len(t.Name.Space) > maxNameLength {
		return decodeErrorf(path, "an element name or namespace is longer than %d bytes", maxNameLength)
	}
	if len(t.Attr) > maxAttributes {
		return decodeErrorf(path, "element <%s> has more than %d attributes", t.Name.Local, maxAttributes)
	}
	for _, a := range t.Attr {
		if len(a.Name.Local) > maxNameLength || len(a.Name.Space) > maxNameLength {
			return decodeErrorf(path, "an attribute name on <%s> is longer than %d bytes", t.Name.Local, maxNameLength)
		}
	}
	return nil
}

func firstWord(d xml.Directive) string {
	word, _, _ := strings.Cut(strings.TrimSpace(string(d)), " ")
	if len(word) > 20 {
		word = word[:20]
	}
	return word
}

// firstElement skips the prolog and returns the document element.
func (x *xmlReader) firstElement(want string) (xml.StartElement, error) {
	for {
		tok, err := x.next("")
		if errors.Is(err, io.EOF) {
			return xml.StartElement{}, decodeErrorf("", "the body has no XML element; expected %s", want)
		}
		if err != nil {
			return xml.StartElement{}, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return t, nil
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return xml.StartElement{}, decodeErrorf("", "text before the root element; expected %s", want)
			}
		}
	}
}

// expectEnd checks that nothing but comments, processing instructions and
// whitespace follows the document element.
func (x *xmlReader) expectEnd() error {
	for {
		tok, err := x.next("")
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return decodeErrorf("", "element <%s> after the end of the root element; send one document", t.Name.Local)
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return decodeErrorf("", "text after the end of the root element")
			}
		}
	}
}

// skip consumes the rest of the element whose start tag was just read.
func (x *xmlReader) skip(path string) error {
	for depth := 1; depth > 0; {
		tok, err := x.next(path)
		if err != nil {
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		}
	}
	return nil
}

// readText returns the character data of an element that must hold text only.
func (x *xmlReader) readText(path string) (string, error) {
	var text strings.Builder
	for {
		tok, err := x.next(path)
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.CharData:
			text.Write(t)
		case xml.StartElement:
			return "", decodeErrorf(path, "element <%s> inside a text member; expected text only", t.Name.Local)
		case xml.EndElement:
			return text.String(), nil
		}
	}
}

// rejectText fails on non-whitespace text between child elements.
func rejectText(path string, t xml.CharData) error {
	if len(bytes.TrimSpace(t)) == 0 {
		return nil
	}
	return decodeErrorf(path, "unexpected text %q between elements; expected child elements only",
		clip(string(bytes.TrimSpace(t))))
}

// clip shortens a value quoted in a message.
func clip(s string) string {
	const maxQuoted = 40
	if len(s) <= maxQuoted {
		return s
	}
	cut := maxQuoted
	for cut > 0 && s[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
		cut--
	}
	return s[:cut] + "…"
}

// isNil reports whether the element carries xsi:nil="true".
func isNil(path string, t xml.StartElement) (bool, error) {
	for _, a := range t.Attr {
		if a.Name.Space != NamespaceXSI || a.Name.Local != "nil" {
			continue
		}
		switch trimXMLSpace(a.Value) {
		case "true", "1":
			return true, nil
		case "false", "0":
			return false, nil
		}
		return false, decodeErrorf(path, "i:nil=%q is not a boolean; use i:nil=\"true\"", a.Value)
	}
	return false, nil
}

// namespaceError reports an element of a known member written in the wrong
// namespace; encoding/xml would silently drop it.
func namespaceError(path string, name xml.Name, want string) error {
	var got string
	switch {
	case name.Space == "":
		got = "has no namespace"
	case !strings.Contains(name.Space, ":"):
		// encoding/xml leaves an undeclared prefix in place of the URI.
		got = "uses the undeclared prefix " + `"` + name.Space + `"`
	default:
		got = "is in namespace " + `"` + name.Space + `"`
	}
	return decodeErrorf(path, "element <%s> %s, expected namespace %q", name.Local, got, want)
}

// rootLicense is one License element of the root, kept until the root ends
// because which member it fills depends on the others.
type rootLicense struct {
	value         string
	afterCustData bool
}

// decodeRoot reads the BatchCustomerCreation element.
func (x *xmlReader) decodeRoot(start xml.StartElement) (*BatchCustomerCreation, error) {
	if start.Name.Local != rootContract.name || start.Name.Space != NamespaceDto {
		return nil, decodeErrorf("", "the root element is <%s> in namespace %q; expected <%s> in namespace %q",
			start.Name.Local, start.Name.Space, rootContract.name, NamespaceDto)
	}
	b := &BatchCustomerCreation{}
	if err := x.decodeObject(reflect.ValueOf(b).Elem(), rootContract, ""); err != nil {
		return nil, err
	}
	return b, nil
}

// decodeObject reads the members of a struct element whose start tag was
// just read.
func (x *xmlReader) decodeObject(v reflect.Value, c *contract, path string) error {
	seen := make([]bool, len(c.members))
	var licenses []rootLicense // the root's License elements

	for {
		tok, err := x.next(path)
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.CharData:
			if err := rejectText(path, t); err != nil {
				return err
			}
		case xml.EndElement:
			if c == rootContract {
				assignLicenses(v.Addr().Interface().(*BatchCustomerCreation), licenses)
			}
			return nil
		case xml.StartElement:
			m := c.byName[t.Name.Local]
			if m == nil {
				if err := x.skip(path); err != nil {
					return err
				}
				continue
			}
			memberPath := joinPath(path, m.name)
			if t.Name.Space != c.ns {
				return namespaceError(memberPath, t.Name, c.ns)
			}

			if c == rootContract && m.name == "License" {
				if len(licenses) == 2 {
					return decodeErrorf(memberPath, "<License> appears more than twice; the root has "+
						"two License members, the base-class one before CustData and the batch's own after it")
				}
				value, err := x.decodeString(t, memberPath)
				if err != nil {
					return err
				}
				custData := rootContract.byName["CustData"]
				licenses = append(licenses, rootLicense{value: value, afterCustData: seen[custData.index]})
				continue
			}

			if seen[m.index] {
				return decodeErrorf(memberPath, "<%s> appears twice; send each member once", m.name)
			}
			seen[m.index] = true
			if err := x.decodeMember(t, v.Field(m.index), m, memberPath); err != nil {
				return err
			}
		}
	}
}

// assignLicenses fills the root's two License members from the License
// elements in document order: two are base then own (DataContract order); a
// single one counts as the base member only when it precedes CustData.
func assignLicenses(b *BatchCustomerCreation, licenses []rootLicense) {
	switch len(licenses) {
	case 1:
		if licenses[0].afterCustData {
			b.License = licenses[0].value
		} else {
			b.BaseLicense = licenses[0].value
		}
	case 2:
		b.BaseLicense = licenses[0].value
		b.License = licenses[1].value
	}
}

// decodeString reads a string element: i:nil and an empty element both
// give "".
func (x *xmlReader) decodeString(start xml.StartElement, path string) (string, error) {
	null, err := isNil(path, start)
	if err != nil {
		return "", err
	}
	if null {
		return "", x.skip(path)
	}
	return x.readText(path)
}

// decodeMember reads the element of member m into fv.
func (x *xmlReader) decodeMember(start xml.StartElement, fv reflect.Value, m *member, path string) error {
	null, err := isNil(path, start)
	if err != nil {
		return err
	}
	if null {
		if m.kind.valueType() {
			return decodeErrorf(path, "i:nil is not allowed here because %s expects %s; "+
				"send a value or leave the element out", m.name, m.kindName())
		}
		fv.SetZero()
		return x.skip(path)
	}

	switch m.kind {
	case kindObject:
		obj := reflect.New(m.elem.typ)
		if err := x.decodeObject(obj.Elem(), m.elem, path); err != nil {
			return err
		}
		fv.Set(obj)
		return nil
	case kindList:
		return x.decodeList(fv, m, path)
	case kindDictionary:
		return x.decodeDictionary(fv, path)
	}

	text, err := x.readText(path)
	if err != nil {
		return err
	}
	return setScalar(fv, m, text, false, path)
}

// setScalar parses text into a string, integer, boolean, decimal or enum
// member. ignoreCase selects JSON's case-insensitive enum names.
func setScalar(fv reflect.Value, m *member, text string, ignoreCase bool, path string) error {
	if m.kind == kindString {
		fv.SetString(text)
		return nil
	}

	text = trimXMLSpace(text)
	if text == "" {
		return decodeErrorf(path, "empty value; %s expects %s", m.name, m.kindName())
	}
	if err := parseScalar(fv, m, text, ignoreCase); err != nil {
		return wrapDecodeError(path, err, "%v", err)
	}
	return nil
}

// parseScalar parses trimmed, non-empty text into a number, boolean,
// decimal or enum member.
func parseScalar(fv reflect.Value, m *member, text string, ignoreCase bool) error {
	switch m.kind {
	case kindInt:
		n, err := parseInt(text)
		if err != nil {
			return err
		}
		fv.SetInt(n)
	case kindBool:
		flag, err := parseBool(text)
		if err != nil {
			return err
		}
		fv.SetBool(flag)
	case kindDecimal:
		d, err := parseDecimal(text)
		if err != nil {
			return err
		}
		fv.Set(reflect.ValueOf(d))
	case kindEnum:
		name, err := parseEnum(m.enum, text, ignoreCase)
		if err != nil {
			return err
		}
		fv.SetString(name)
	}
	return nil
}

// decodeList reads the items of a list element; each item is an element named
// after the item's contract, in the item contract's namespace.
func (x *xmlReader) decodeList(fv reflect.Value, m *member, path string) error {
	items := reflect.MakeSlice(fv.Type(), 0, 0)
	for {
		tok, err := x.next(path)
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.CharData:
			if err := rejectText(path, t); err != nil {
				return err
			}
		case xml.EndElement:
			fv.Set(items)
			return nil
		case xml.StartElement:
			itemPath := indexPath(path, items.Len())
			if t.Name.Local != m.elem.name {
				return decodeErrorf(itemPath, "unexpected element <%s> in the list; each item must be a <%s> element",
					t.Name.Local, m.elem.name)
			}
			if t.Name.Space != m.elem.ns {
				return namespaceError(itemPath, t.Name, m.elem.ns)
			}
			null, err := isNil(itemPath, t)
			if err != nil {
				return err
			}
			if null {
				return decodeErrorf(itemPath, "a list item is i:nil; leave the item out instead")
			}

			if err := checkItems(&x.items, x.opts, path, items.Len()); err != nil {
				return err
			}
			item := reflect.New(m.elem.typ).Elem()
			if err := x.decodeObject(item, m.elem, itemPath); err != nil {
				return err
			}
			items = reflect.Append(items, item)
		}
	}
}

// checkItems counts one more list item of the document, the index-th of
// the list at path, against the limits.
func checkItems(count *int, opts DecodeOptions, path string, index int) error {
	*count++
	if *count > maxListItems {
		return decodeErrorf(path, "the body has more than %d list items; split it into smaller batches", maxListItems)
	}
	if path == "CustData" && opts.MaxCustomers > 0 && index >= opts.MaxCustomers {
		return tooManyCustomers(opts.MaxCustomers)
	}
	return nil
}

// dictionaryEntryPrefix starts the element name of a dictionary entry. The
// rest names the key and value contracts plus a namespace hash
// (KeyValueOfstringArrayOfstringty7Ep6D1), which the decoder does not check.
const dictionaryEntryPrefix = "KeyValueOf"

// decodeDictionary reads a Dictionary<string, List<string>> element.
func (x *xmlReader) decodeDictionary(fv reflect.Value, path string) error {
	dict := map[string][]string{}
	for n := 0; ; {
		tok, err := x.next(path)
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.CharData:
			if err := rejectText(path, t); err != nil {
				return err
			}
		case xml.EndElement:
			fv.Set(reflect.ValueOf(dict))
			return nil
		case xml.StartElement:
			entryPath := indexPath(path, n)
			n++
			if !strings.HasPrefix(t.Name.Local, dictionaryEntryPrefix) {
				return decodeErrorf(entryPath, "unexpected element <%s> in the dictionary; each entry must be a "+
					"<KeyValueOfstringArrayOfstringty7Ep6D1> element", t.Name.Local)
			}
			if t.Name.Space != NamespaceArrays {
				return namespaceError(entryPath, t.Name, NamespaceArrays)
			}

			key, values, err := x.decodeEntry(entryPath)
			if err != nil {
				return err
			}
			if _, dup := dict[key]; dup {
				return decodeErrorf(keyPath(path, key), "key %q appears twice in the dictionary; send each key once", key)
			}
			dict[key] = values
		}
	}
}

// decodeEntry reads the Key and Value of one dictionary entry.
func (x *xmlReader) decodeEntry(path string) (string, []string, error) {
	var (
		key              string
		values           []string
		hasKey, hasValue bool
	)
	for {
		tok, err := x.next(path)
		if err != nil {
			return "", nil, err
		}
		switch t := tok.(type) {
		case xml.CharData:
			if err := rejectText(path, t); err != nil {
				return "", nil, err
			}
		case xml.EndElement:
			if !hasKey {
				return "", nil, decodeErrorf(path, "the dictionary entry has no <Key>")
			}
			return key, values, nil
		case xml.StartElement:
			if t.Name.Local != "Key" && t.Name.Local != "Value" {
				if err := x.skip(path); err != nil {
					return "", nil, err
				}
				continue
			}
			childPath := joinPath(path, t.Name.Local)
			if t.Name.Space != NamespaceArrays {
				return "", nil, namespaceError(childPath, t.Name, NamespaceArrays)
			}
			if (t.Name.Local == "Key" && hasKey) || (t.Name.Local == "Value" && hasValue) {
				return "", nil, decodeErrorf(childPath, "<%s> appears twice in one dictionary entry", t.Name.Local)
			}

			if t.Name.Local == "Key" {
				hasKey = true
				key, err = x.decodeKey(t, childPath)
			} else {
				hasValue = true
				values, err = x.decodeStrings(t, childPath)
			}
			if err != nil {
				return "", nil, err
			}
		}
	}
}

func (x *xmlReader) decodeKey(start xml.StartElement, path string) (string, error) {
	null, err := isNil(path, start)
	if err != nil {
		return "", err
	}
	if null {
		return "", decodeErrorf(path, "a dictionary key cannot be i:nil")
	}
	return x.readText(path)
}

// decodeStrings reads an ArrayOfstring: <string> items in the Arrays
// namespace. A nil item counts as "", like a nil string member.
func (x *xmlReader) decodeStrings(start xml.StartElement, path string) ([]string, error) {
	null, err := isNil(path, start)
	if err != nil {
		return nil, err
	}
	if null {
		return nil, x.skip(path)
	}

	values := []string{}
	for {
		tok, err := x.next(path)
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.CharData:
			if err := rejectText(path, t); err != nil {
				return nil, err
			}
		case xml.EndElement:
			return values, nil
		case xml.StartElement:
			itemPath := indexPath(path, len(values))
			if t.Name.Local != "string" {
				return nil, decodeErrorf(itemPath, "unexpected element <%s>; each value must be a <string> element",
					t.Name.Local)
			}
			if t.Name.Space != NamespaceArrays {
				return nil, namespaceError(itemPath, t.Name, NamespaceArrays)
			}
			value, err := x.decodeString(t, itemPath)
			if err != nil {
				return nil, err
			}
			values = append(values, value)
		}
	}
}
