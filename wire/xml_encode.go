package wire

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// EncodeError is a DTO value that DataContract XML cannot carry.
type EncodeError struct {
	// Field is the path of the member, such as
	// CustData[0].Customer.Customer.Notes.
	Field string
	// Message describes the problem and how to fix it.
	Message string
}

// Error returns the field path and the message.
func (e *EncodeError) Error() string {
	return e.Field + ": " + e.Message
}

// dictionaryEntryName is the element of one ServiceAttributes entry:
// KeyValueOf, the key and value contract names, and the hash DataContract
// derives from the Arrays namespace.
const dictionaryEntryName = "KeyValueOfstringArrayOfstringty7Ep6D1"

// custDataMember is the root's CustData list, whose rows may get comments.
var custDataMember = rootContract.byName["CustData"]

// EncodeXML writes b as DataContract XML, as a .NET client would send it.
// The root BatchCustomerCreation is in the Web.Dto namespace and declares
// xmlns:i. Base-class members come first (ContentId, FeatureName, and
// BaseLicense as License), then the class's own members in ordinal order, so
// CustData precedes the own License member. Each element is in the namespace
// of the class that declares its member. When a member's type is in another
// namespace (Common.Models under Web.Dto, Arrays for the ServiceAttributes
// entries), the member's element declares it with the prefix dNp1, where N is
// the element's depth and the root is 1. Unset strings and nil objects, lists
// and dictionaries are i:nil="true", as in the samples. Numbers, decimals
// (with their scale), booleans and enum names are written as XmlConvert
// writes them.
//
// rowComments, when non-nil, maps a CustData position to a text written as an
// XML comment just before that <CsvData> element. Each "--" in the text
// becomes "- -" so that the comment stays well-formed; DecodeXML skips
// comments.
//
// The output is indented by two spaces per level like the samples, with no
// XML declaration and a final newline; DecodeXML ignores whitespace between
// elements. Text escapes &, < and >, and a carriage return becomes &#xD; so
// that a parser keeps it. Quotes need no escaping in element text and stay as
// they are, as .NET writes them. Dictionary keys are written in sorted order.
// Two Go-only states are left out, because a .NET value type has no null: an
// unset ("") enum and a zero-value decimal.Decimal{}, which DecodeJSON leaves
// for an absent key. The host reads a missing member as its default, and
// DecodeXML reads the DTO back unchanged.
//
// These are errors, each an *EncodeError that names the field: a string with
// invalid UTF-8 or a character XML 1.0 cannot carry (most control characters,
// U+FFFE, U+FFFF), an enum name DecodeXML would reject, a decimal outside the
// .NET range, and a comment for a row the batch does not have.
func EncodeXML(b *BatchCustomerCreation, rowComments map[int]string) ([]byte, error) {
	if b == nil {
		return nil, errors.New("encode XML: the batch is nil")
	}
	for _, row := range slices.Sorted(maps.Keys(rowComments)) {
		if row < 0 || row >= len(b.CustData) {
			return nil, &EncodeError{Field: indexPath("CustData", row), Message: fmt.Sprintf(
				"row comment for a missing row: CustData has %d rows, numbered from 0", len(b.CustData))}
		}
	}

	e := &xmlEncoder{comments: rowComments}
	root := xmlElement{name: rootContract.name, depth: 1, scope: &xmlScope{uri: NamespaceDto}}
	e.buf.WriteString("<" + root.name + ` xmlns:i="` + NamespaceXSI + `" xmlns="` + NamespaceDto + `">`)
	if err := e.writeMembers(reflect.ValueOf(b).Elem(), rootContract, "", root); err != nil {
		return nil, err
	}
	e.close(root)
	e.buf.WriteByte('\n')
	return e.buf.Bytes(), nil
}

// xmlEncoder writes one document.
type xmlEncoder struct {
	buf      bytes.Buffer
	comments map[int]string
}

// xmlScope is one namespace declaration in scope. Its parent chain holds the
// declarations of the enclosing elements.
type xmlScope struct {
	uri    string
	prefix string // "" for the default namespace
	parent *xmlScope
}

// lookup returns the prefix declared for uri, if any.
func (s *xmlScope) lookup(uri string) (string, bool) {
	for ; s != nil; s = s.parent {
		if s.uri == uri {
			return s.prefix, true
		}
	}
	return "", false
}

// qualify returns the element name of local in namespace uri.
func (s *xmlScope) qualify(uri, local string) string {
	prefix, ok := s.lookup(uri)
	if !ok {
		// writeMember declares every namespace before its first element.
		panic("wire: namespace " + uri + " is not declared for <" + local + ">")
	}
	if prefix == "" {
		return local
	}
	return prefix + ":" + local
}

// xmlElement is an element being written.
type xmlElement struct {
	name  string    // qualified name
	attrs string    // namespace declaration with a leading space, or ""
	depth int       // 1 for the root
	scope *xmlScope // namespaces in scope inside the element
}

// child returns the element local in namespace uri inside el.
func (el xmlElement) child(uri, local string) xmlElement {
	return xmlElement{name: el.scope.qualify(uri, local), depth: el.depth + 1, scope: el.scope}
}

// newline starts a line indented for an element at depth.
func (e *xmlEncoder) newline(depth int) {
	e.buf.WriteByte('\n')
	e.buf.WriteString(strings.Repeat("  ", depth-1))
}

// open writes the start tag of el on a new line.
func (e *xmlEncoder) open(el xmlElement) {
	e.newline(el.depth)
	e.buf.WriteString("<" + el.name + el.attrs + ">")
}

// close writes the end tag of el, which has child elements, on a new line.
func (e *xmlEncoder) close(el xmlElement) {
	e.newline(el.depth)
	e.buf.WriteString("</" + el.name + ">")
}

// writeEmpty writes el as an empty element, with i:nil="true" when null.
func (e *xmlEncoder) writeEmpty(el xmlElement, null bool) {
	e.newline(el.depth)
	e.buf.WriteString("<" + el.name + el.attrs)
	if null {
		e.buf.WriteString(` i:nil="true"`)
	}
	e.buf.WriteString(" />")
}

// writeText writes el with the unescaped text.
func (e *xmlEncoder) writeText(el xmlElement, text string) {
	e.newline(el.depth)
	e.buf.WriteString("<" + el.name + el.attrs + ">" + xmlText(text) + "</" + el.name + ">")
}

// writeMembers writes the member elements of the DTO struct v inside parent.
func (e *xmlEncoder) writeMembers(v reflect.Value, c *contract, path string, parent xmlElement) error {
	for i := range c.members {
		m := &c.members[i]
		if err := e.writeMember(v.Field(m.index), m, c.ns, joinPath(path, m.name), parent); err != nil {
			return err
		}
	}
	return nil
}

// writeMember writes the element of member m, declared by a class of
// namespace ns. The element declares the namespace of the member's type when
// it differs from ns and no ancestor declares it yet, even for a nil value, as
// DataContractSerializer does (ReflectionClassWriter in dotnet/runtime).
func (e *xmlEncoder) writeMember(fv reflect.Value, m *member, ns, path string, parent xmlElement) error {
	unset := isUnset(fv, m)
	if unset && m.kind.valueType() {
		return nil
	}

	el := parent.child(ns, m.name)
	if childNS := memberTypeNamespace(m); childNS != "" && childNS != ns {
		if _, ok := el.scope.lookup(childNS); !ok {
			prefix := "d" + strconv.Itoa(el.depth) + "p1"
			el.attrs = ` xmlns:` + prefix + `="` + childNS + `"`
			el.scope = &xmlScope{uri: childNS, prefix: prefix, parent: el.scope}
		}
	}

	switch {
	case unset:
		e.writeEmpty(el, true)
		return nil
	case m.kind == kindObject:
		e.open(el)
		if err := e.writeMembers(fv.Elem(), m.elem, path, el); err != nil {
			return err
		}
		e.close(el)
		return nil
	case m.kind == kindList:
		return e.writeList(fv, m, path, el)
	case m.kind == kindDictionary:
		return e.writeDictionary(fv.Interface().(map[string][]string), path, el)
	}

	text, err := scalarText(fv, m, path)
	if err != nil {
		return err
	}
	e.writeText(el, text)
	return nil
}

// memberTypeNamespace returns the namespace of the contract of an object,
// list or dictionary member, or "" for a scalar member.
func memberTypeNamespace(m *member) string {
	switch m.kind {
	case kindObject, kindList:
		return m.elem.ns
	case kindDictionary:
		return NamespaceArrays
	}
	return ""
}

// writeList writes the items of list member m, one element per DTO named
// after the item's contract.
func (e *xmlEncoder) writeList(fv reflect.Value, m *member, path string, el xmlElement) error {
	if fv.Len() == 0 {
		e.writeEmpty(el, false)
		return nil
	}

	e.open(el)
	item := el.child(m.elem.ns, m.elem.name)
	for i := range fv.Len() {
		itemPath := indexPath(path, i)
		if text, ok := e.comments[i]; ok && m == custDataMember {
			if err := e.writeComment(text, itemPath, item.depth); err != nil {
				return err
			}
		}

		e.open(item)
		if err := e.writeMembers(fv.Index(i), m.elem, itemPath, item); err != nil {
			return err
		}
		e.close(item)
	}
	e.close(el)
	return nil
}

// writeComment writes <!-- text --> on its own line. XML forbids "--" inside
// a comment, so each "--" gets a space between its hyphens.
func (e *xmlEncoder) writeComment(text, path string, depth int) error {
	if err := checkXMLText(path, text); err != nil {
		err.Message = "row comment: " + err.Message
		return err
	}
	for strings.Contains(text, "--") {
		text = strings.ReplaceAll(text, "--", "- -")
	}
	e.newline(depth)
	e.buf.WriteString("<!-- " + text + " -->")
	return nil
}

// writeDictionary writes the entries of a Dictionary<string, List<string>>
// in key order. writeMember has declared the Arrays namespace on el.
func (e *xmlEncoder) writeDictionary(dict map[string][]string, path string, el xmlElement) error {
	if len(dict) == 0 {
		e.writeEmpty(el, false)
		return nil
	}

	e.open(el)
	entry := el.child(NamespaceArrays, dictionaryEntryName)
	for _, key := range slices.Sorted(maps.Keys(dict)) {
		entryPath := keyPath(path, key)
		if err := checkXMLText(entryPath, key); err != nil {
			return err
		}

		e.open(entry)
		// A key cannot be null, so "" is written as an empty element.
		e.writeText(entry.child(NamespaceArrays, "Key"), key)
		if err := e.writeStrings(dict[key], entryPath, entry.child(NamespaceArrays, "Value")); err != nil {
			return err
		}
		e.close(entry)
	}
	e.close(el)
	return nil
}

// writeStrings writes the Value of a dictionary entry, an ArrayOfstring of
// <string> items. An item "" is i:nil, like a string member.
func (e *xmlEncoder) writeStrings(values []string, path string, el xmlElement) error {
	if len(values) == 0 {
		e.writeEmpty(el, values == nil)
		return nil
	}

	e.open(el)
	item := el.child(NamespaceArrays, "string")
	for i, s := range values {
		if err := checkXMLText(indexPath(path, i), s); err != nil {
			return err
		}
		if s == "" {
			e.writeEmpty(item, true)
		} else {
			e.writeText(item, s)
		}
	}
	e.close(el)
	return nil
}

// scalarText returns the unescaped text of a string, integer, boolean,
// decimal or enum member as XmlConvert writes it, after checking that
// DecodeXML reads it back.
func scalarText(fv reflect.Value, m *member, path string) (string, error) {
	switch m.kind {
	case kindInt:
		return strconv.FormatInt(fv.Int(), 10), nil
	case kindBool:
		return strconv.FormatBool(fv.Bool()), nil
	case kindDecimal:
		text := formatDecimal(fv.Interface().(decimal.Decimal))
		if _, err := parseDecimal(text); err != nil {
			return "", &EncodeError{Field: path, Message: err.Error() + " for a .NET decimal, " +
				"which holds at most 29 digits before the point and 28 after it"}
		}
		return text, nil
	case kindEnum:
		if _, err := parseEnum(m.enum, fv.String(), false); err != nil {
			return "", &EncodeError{Field: path, Message: err.Error()}
		}
		return fv.String(), nil
	}
	text := fv.String()
	if err := checkXMLText(path, text); err != nil {
		return "", err
	}
	return text, nil
}

// checkXMLText fails on invalid UTF-8 and on characters XML 1.0 cannot
// carry, which xmlText would otherwise replace with U+FFFD.
func checkXMLText(path, s string) *EncodeError {
	for i, r := range s {
		if r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD") {
			return &EncodeError{Field: path, Message: fmt.Sprintf(
				"invalid UTF-8 at byte %d, which XML cannot carry, so fix the text's encoding", i)}
		}
		if !isXMLChar(r) {
			return &EncodeError{Field: path, Message: fmt.Sprintf(
				"character %U at byte %d cannot be written in XML 1.0, so remove it", r, i)}
		}
	}
	return nil
}
