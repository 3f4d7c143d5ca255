package wire

import (
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
)

// DecodeJSON reads a ServiceStack JSON body. Keys match member names without
// regard to case and unknown keys are ignored. Numbers may be quoted
// ("ProductID":"1201"), a number is accepted for a string member, and enum
// names ignore case and are stored in canonical form. null leaves a string,
// object or list unset but is an error on an integer, boolean, decimal or
// enum, as is a key that appears twice. The body may start with a UTF-8 or
// UTF-16 byte order mark; an empty body gives an empty DTO.
//
// Every error is a *DecodeError.
func DecodeJSON(r io.Reader) (*BatchCustomerCreation, error) {
	return DecodeJSONWith(r, DecodeOptions{})
}

// DecodeJSONWith is DecodeJSON within opts.
func DecodeJSONWith(r io.Reader, opts DecodeOptions) (*BatchCustomerCreation, error) {
	body, src, err := openBody(r)
	if err != nil {
		return nil, err
	}
	b := &BatchCustomerCreation{}
	first, skipped, err := firstNonSpace(body)
	switch {
	case err != nil:
		return nil, err
	case first == 0:
		return b, nil
	case first == '<':
		return nil, decodeErrorf("", "the body looks like XML, but this route reads JSON; "+
			"send it to an /xml/ route or with Content-Type: application/xml")
	}
	var stream io.Reader = body
	if !src.isUTF16() {
		stream = &utf8Reader{src: body, offset: skipped}
	}
	if err := decodeJSONDocument(stream, reflect.ValueOf(b).Elem(), rootContract, opts); err != nil {
		return nil, err
	}
	return b, nil
}

// jsonReader walks the tokens of one JSON document and caps its nesting.
type jsonReader struct {
	dec   *json.Decoder
	opts  DecodeOptions
	depth int
	items int // list items decoded so far
}

// decodeJSONDocument reads one JSON object (or null) into v.
func decodeJSONDocument(body io.Reader, v reflect.Value, c *contract, opts DecodeOptions) error {
	j := &jsonReader{dec: json.NewDecoder(body), opts: opts}
	j.dec.UseNumber()

	tok, err := j.next("")
	if err != nil {
		return err
	}
	switch tok {
	case nil:
		// A JSON null body reads as an empty request, like an empty body.
	case json.Delim('{'):
		if err := j.decodeObject(v, c, ""); err != nil {
			return err
		}
	default:
		return decodeErrorf("", "the body is %s; expected a JSON object", describeToken(tok))
	}

	_, err = j.dec.Token()
	var decodeErr *DecodeError
	switch {
	case errors.As(err, &decodeErr):
		return decodeErr
	case !errors.Is(err, io.EOF):
		return decodeErrorf("", "unexpected data after the JSON object; send one object")
	}
	return nil
}

// next returns the next token and tracks the nesting depth.
func (j *jsonReader) next(path string) (json.Token, error) {
	tok, err := j.dec.Token()
	if err != nil {
		var decodeErr *DecodeError
		if errors.As(err, &decodeErr) {
			// The body stream's own error: bad UTF-8 or UTF-16.
			return nil, decodeErr
		}
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return nil, wrapDecodeError(path, err, "malformed JSON at byte offset %d: %v", syntax.Offset, err)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, wrapDecodeError(path, io.ErrUnexpectedEOF, "the JSON body ends early")
		}
		return nil, wrapDecodeError(path, err, "read JSON: %v", err)
	}

	switch tok {
	case json.Delim('{'), json.Delim('['):
		j.depth++
		if j.depth > maxDepth {
			return nil, decodeErrorf(path, "JSON values are nested more than %d levels deep", maxDepth)
		}
	case json.Delim('}'), json.Delim(']'):
		j.depth--
	}
	return tok, nil
}

// skipValue consumes one value of any shape.
func (j *jsonReader) skipValue(path string) error {
	depth := 0
	for {
		tok, err := j.next(path)
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

// decodeObject reads the members of an object whose '{' was just read.
func (j *jsonReader) decodeObject(v reflect.Value, c *contract, path string) error {
	seen := make([]bool, len(c.members))
	for j.dec.More() {
		tok, err := j.next(path)
		if err != nil {
			return err
		}
		key, _ := tok.(string) // json.Decoder only returns string keys here
		m := c.byKey[strings.ToLower(key)]
		if m == nil {
			if err := j.skipValue(joinPath(path, key)); err != nil {
				return err
			}
			continue
		}

		memberPath := joinPath(path, m.name)
		if seen[m.index] {
			return decodeErrorf(memberPath, "key %q appears twice (keys ignore case); send each member once", key)
		}
		seen[m.index] = true
		if err := j.decodeMember(v.Field(m.index), m, memberPath); err != nil {
			return err
		}
	}
	_, err := j.next(path) // the closing '}'
	return err
}

// decodeMember reads the value of member m into fv.
func (j *jsonReader) decodeMember(fv reflect.Value, m *member, path string) error {
	tok, err := j.next(path)
	if err != nil {
		return err
	}
	if tok == nil {
		if m.kind.valueType() {
			return decodeErrorf(path, "null is not allowed here because %s expects %s; "+
				"send a value or leave the key out", m.name, m.kindName())
		}
		fv.SetZero()
		return nil
	}

	switch m.kind {
	case kindObject:
		if tok != json.Delim('{') {
			return typeError(path, m, tok)
		}
		obj := reflect.New(m.elem.typ)
		if err := j.decodeObject(obj.Elem(), m.elem, path); err != nil {
			return err
		}
		fv.Set(obj)
		return nil
	case kindList:
		if tok != json.Delim('[') {
			return typeError(path, m, tok)
		}
		return j.decodeList(fv, m, path)
	case kindDictionary:
		if tok != json.Delim('{') {
			return typeError(path, m, tok)
		}
		return j.decodeDictionary(fv, path)
	case kindBool:
		flag, ok := tok.(bool)
		if !ok {
			return typeError(path, m, tok)
		}
		fv.SetBool(flag)
		return nil
	}

	switch t := tok.(type) {
	case string:
		return setScalar(fv, m, t, true, path)
	case json.Number:
		if m.kind == kindEnum {
			return typeError(path, m, tok)
		}
		return setScalar(fv, m, string(t), true, path)
	}
	return typeError(path, m, tok)
}

func typeError(path string, m *member, tok json.Token) error {
	return decodeErrorf(path, "%s expects %s, got %s", m.name, m.kindName(), describeToken(tok))
}

// describeToken names the JSON value a token starts.
func describeToken(tok json.Token) string {
	switch t := tok.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case json.Delim:
		if t == '[' {
			return "a list"
		}
		return "an object"
	}
	return "an unexpected value"
}

// decodeList reads the items of a list whose '[' was just read.
func (j *jsonReader) decodeList(fv reflect.Value, m *member, path string) error {
	items := reflect.MakeSlice(fv.Type(), 0, 0)
	for j.dec.More() {
		itemPath := indexPath(path, items.Len())
		tok, err := j.next(itemPath)
		if err != nil {
			return err
		}
		if tok != json.Delim('{') {
			return decodeErrorf(itemPath, "a list item is %s; each item must be an object", describeToken(tok))
		}
		if err := checkItems(&j.items, j.opts, path, items.Len()); err != nil {
			return err
		}
		item := reflect.New(m.elem.typ).Elem()
		if err := j.decodeObject(item, m.elem, itemPath); err != nil {
			return err
		}
		items = reflect.Append(items, item)
	}
	if _, err := j.next(path); err != nil { // the closing ']'
		return err
	}
	fv.Set(items)
	return nil
}

// decodeDictionary reads {"key": ["value", ...]} whose '{' was just read.
// Keys are data here, so they keep their case and must be unique.
func (j *jsonReader) decodeDictionary(fv reflect.Value, path string) error {
	dict := map[string][]string{}
	for j.dec.More() {
		tok, err := j.next(path)
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		entryPath := keyPath(path, key)
		if _, dup := dict[key]; dup {
			return decodeErrorf(entryPath, "key %q appears twice in the dictionary; send each key once", key)
		}
		values, err := j.decodeStrings(entryPath)
		if err != nil {
			return err
		}
		dict[key] = values
	}
	if _, err := j.next(path); err != nil { // the closing '}'
		return err
	}
	fv.Set(reflect.ValueOf(dict))
	return nil
}

// decodeStrings reads a list of strings or null. A null item counts as "",
// like a null string member.
func (j *jsonReader) decodeStrings(path string) ([]string, error) {
	tok, err := j.next(path)
	if err != nil {
		return nil, err
	}
	if tok == nil {
		return nil, nil
	}
	if tok != json.Delim('[') {
		return nil, decodeErrorf(path, "a dictionary value is %s; expected a list of strings", describeToken(tok))
	}

	values := []string{}
	for j.dec.More() {
		tok, err := j.next(path)
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case nil:
			values = append(values, "")
		case string:
			values = append(values, t)
		case json.Number:
			values = append(values, string(t))
		default:
			return nil, decodeErrorf(indexPath(path, len(values)), "a dictionary value item is %s; expected a string",
				describeToken(tok))
		}
	}
	if _, err := j.next(path); err != nil { // the closing ']'
		return nil, err
	}
	return values, nil
}
