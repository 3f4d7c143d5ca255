package emulator

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
)

// fields reads one JSON object of a request leniently: ids may be numbers
// or numeric strings, unknown keys are ignored and null counts as absent.
// Faults it returns name the field by its path, e.g. account_info.i_customer.
type fields struct {
	service string
	path    string
	m       map[string]any
}

func newFields(service, path string, m map[string]any) fields {
	if m == nil {
		m = map[string]any{}
	}
	return fields{service: service, path: path, m: m}
}

func (f fields) fieldPath(key string) string {
	if f.path == "" {
		return key
	}
	return f.path + "." + key
}

func (f fields) has(key string) bool {
	v, ok := f.m[key]
	return ok && v != nil
}

// id reads an integer field. The second result is false when the field is
// absent or null.
func (f fields) id(key string) (int64, bool, error) {
	v, ok := f.m[key]
	if !ok || v == nil {
		return 0, false, nil
	}
	n, ok := toInt(v)
	if !ok {
		return 0, false, invalidField(f.service, f.fieldPath(key), "not an integer")
	}
	return n, true, nil
}

func (f fields) requiredID(key string) (int64, error) {
	n, ok, err := f.id(key)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, missingField(f.service, f.fieldPath(key))
	}
	return n, nil
}

// str reads a text field; numbers are accepted and kept in their JSON
// spelling, because phone numbers often arrive unquoted.
func (f fields) str(key string) (string, bool, error) {
	v, ok := f.m[key]
	if !ok || v == nil {
		return "", false, nil
	}
	switch t := v.(type) {
	case string:
		return t, true, nil
	case json.Number:
		return t.String(), true, nil
	default:
		return "", false, invalidField(f.service, f.fieldPath(key), "not a string")
	}
}

// requiredStr reads a text field that must be present and non-empty.
func (f fields) requiredStr(key string) (string, error) {
	s, ok, err := f.str(key)
	if err != nil {
		return "", err
	}
	if !ok || strings.TrimSpace(s) == "" {
		return "", missingField(f.service, f.fieldPath(key))
	}
	return s, nil
}

// object reads a nested object. Form-encoded clients sometimes send nested
// objects as JSON strings, so a string holding an object is decoded too.
func (f fields) object(key string) (fields, bool, error) {
	v, ok := f.m[key]
	if !ok || v == nil {
		return fields{}, false, nil
	}
	m, ok := asObject(v)
	if !ok {
		return fields{}, false, invalidField(f.service, f.fieldPath(key), "not an object")
	}
	return newFields(f.service, f.fieldPath(key), m), true, nil
}

func (f fields) requiredObject(key string) (fields, error) {
	o, ok, err := f.object(key)
	if err != nil {
		return fields{}, err
	}
	if !ok {
		return fields{}, missingField(f.service, f.fieldPath(key))
	}
	return o, nil
}

// flag reads a request option: 1, "1", true, "Y" and "true" mean on.
func (f fields) flag(key string) bool {
	switch t := f.m[key].(type) {
	case bool:
		return t
	case json.Number:
		n, err := t.Int64()
		return err == nil && n != 0
	case string:
		switch strings.ToLower(strings.TrimSpace(t)) {
		case "1", "y", "yes", "true":
			return true
		}
	}
	return false
}

// page reads limit and offset. A list call with an offset but no limit is
// rejected, as PortaBilling does.
func (f fields) page() (limit, offset int64, err error) {
	limit, hasLimit, err := f.id("limit")
	if err != nil {
		return 0, 0, err
	}
	offset, _, err = f.id("offset")
	if err != nil {
		return 0, 0, err
	}
	if limit < 0 || offset < 0 {
		return 0, 0, invalidField(f.service, "limit", "limit and offset must not be negative")
	}
	if offset > 0 && !hasLimit {
		return 0, 0, missingField(f.service, "limit")
	}
	return limit, offset, nil
}

func asObject(v any) (map[string]any, bool) {
	switch t := v.(type) {
	case map[string]any:
		return t, true
	case string:
		var m map[string]any
		if err := decodeJSON([]byte(t), &m); err != nil || m == nil {
			return nil, false
		}
		return m, true
	}
	return nil, false
}

// toInt converts a JSON number, a numeric string or an integral float
// spelled as "5.0" into an int64.
func toInt(v any) (int64, bool) {
	var text string
	switch t := v.(type) {
	case json.Number:
		text = t.String()
	case string:
		text = strings.TrimSpace(t)
	case float64:
		text = strconv.FormatFloat(t, 'f', -1, 64)
	case int64:
		return t, true
	case int:
		return int64(t), true
	default:
		return 0, false
	}
	if n, err := strconv.ParseInt(text, 10, 64); err == nil {
		return n, true
	}
	fl, err := strconv.ParseFloat(text, 64)
	if err != nil || fl != math.Trunc(fl) || math.Abs(fl) > 1<<53 {
		return 0, false
	}
	return int64(fl), true
}

// scalarString formats a scalar JSON value as text for comparisons; it
// returns false for objects and arrays.
func scalarString(v any) (string, bool) {
	switch t := v.(type) {
	case nil:
		return "", true
	case string:
		return t, true
	case json.Number:
		return t.String(), true
	case bool:
		return strconv.FormatBool(t), true
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64), true
	}
	return "", false
}

// lookupPath follows a dotted path such as "alias_info.id" or
// "service_features.0.name" through objects and arrays.
func lookupPath(m map[string]any, path string) (any, bool) {
	var cur any = m
	for part := range strings.SplitSeq(path, ".") {
		switch node := cur.(type) {
		case map[string]any:
			next, ok := node[part]
			if !ok {
				return nil, false
			}
			cur = next
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(node) {
				return nil, false
			}
			cur = node[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// normalizeIDs rewrites numeric strings under id keys (i_* and
// billing_model) as JSON numbers, so stored records return ids as numbers
// even when the client sent strings. i_lang ("en") and other text stays.
func normalizeIDs(m map[string]any) map[string]any {
	for k, v := range m {
		if !strings.HasPrefix(k, "i_") && k != "billing_model" {
			continue
		}
		if s, ok := v.(string); ok {
			if n, ok := toInt(s); ok {
				m[k] = json.Number(strconv.FormatInt(n, 10))
			}
		}
	}
	return m
}
