package wire

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"

	"github.com/shopspring/decimal"
)

// The MarshalJSON methods write ServiceStack's JSON shape for every DTO type,
// so DecodeJSON or json.Unmarshal reads json.Marshal's output of any part of
// the tree back without loss. Keys are the member names (countryCode and
// i_spendingPlan keep their spelling) with base-class members last. Enums are
// names and decimals are numbers that keep their scale ("500.00"). Unset
// members are left out: "" strings and enums, nil objects, lists and
// dictionaries, and zero-value decimals. Integers and booleans are always
// written, as ServiceStack does for value types.

// MarshalJSON writes the batch with one License key holding
// EffectiveLicense, because JSON has no key for BaseLicense.
func (b BatchCustomerCreation) MarshalJSON() ([]byte, error) {
	b.License = b.EffectiveLicense()
	return marshalContract(&b)
}

// MarshalJSON writes the row in ServiceStack's JSON shape.
func (c CsvData) MarshalJSON() ([]byte, error) { return marshalContract(&c) }

// MarshalJSON writes the account part in ServiceStack's JSON shape.
func (c CreateAccount) MarshalJSON() ([]byte, error) { return marshalContract(&c) }

// MarshalJSON writes the customer part in ServiceStack's JSON shape.
func (c CreateCustomer) MarshalJSON() ([]byte, error) { return marshalContract(&c) }

// MarshalJSON writes the account request in ServiceStack's JSON shape.
func (a AccountRequest) MarshalJSON() ([]byte, error) { return marshalContract(&a) }

// MarshalJSON writes the account in ServiceStack's JSON shape.
func (a AccountInformation) MarshalJSON() ([]byte, error) { return marshalContract(&a) }

// MarshalJSON writes the account defaults in ServiceStack's JSON shape.
func (d DefaultValues) MarshalJSON() ([]byte, error) { return marshalContract(&d) }

// MarshalJSON writes the service feature in ServiceStack's JSON shape.
func (p PortaServiceFeature) MarshalJSON() ([]byte, error) { return marshalContract(&p) }

// MarshalJSON writes the customer in ServiceStack's JSON shape.
func (c Customer) MarshalJSON() ([]byte, error) { return marshalContract(&c) }

// MarshalJSON writes the address in ServiceStack's JSON shape.
func (c CustomerAddress) MarshalJSON() ([]byte, error) { return marshalContract(&c) }

// MarshalJSON writes the contact points in ServiceStack's JSON shape.
func (c CustomerContact) MarshalJSON() ([]byte, error) { return marshalContract(&c) }

// MarshalJSON writes the money settings in ServiceStack's JSON shape.
func (c CustomerStatus) MarshalJSON() ([]byte, error) { return marshalContract(&c) }

// MarshalJSON writes the personal information in ServiceStack's JSON shape.
func (p PersonalInformation) MarshalJSON() ([]byte, error) { return marshalContract(&p) }

// MarshalJSON writes the preferences in ServiceStack's JSON shape.
func (p Preferences) MarshalJSON() ([]byte, error) { return marshalContract(&p) }

// MarshalJSON writes the dialling rule in ServiceStack's JSON shape.
func (d DiallingRule) MarshalJSON() ([]byte, error) { return marshalContract(&d) }

// MarshalJSON writes the customer defaults in ServiceStack's JSON shape.
func (c CustomerDefaultValues) MarshalJSON() ([]byte, error) { return marshalContract(&c) }

// contractsByType finds the contract of any DTO type.
var contractsByType = func() map[reflect.Type]*contract {
	all := map[reflect.Type]*contract{}
	var walk func(c *contract)
	walk = func(c *contract) {
		all[c.typ] = c
		for _, m := range c.members {
			if m.elem != nil && all[m.elem.typ] == nil {
				walk(m.elem)
			}
		}
	}
	walk(rootContract)
	return all
}()

// marshalContract writes the DTO struct ptr points to.
func marshalContract(ptr any) ([]byte, error) {
	v := reflect.ValueOf(ptr).Elem()
	var buf bytes.Buffer
	writeObject(&buf, v, contractsByType[v.Type()])
	return buf.Bytes(), nil
}

func writeObject(buf *bytes.Buffer, v reflect.Value, c *contract) {
	buf.WriteByte('{')
	first := true
	for _, base := range []bool{false, true} {
		for i := range c.members {
			m := &c.members[i]
			fv := v.Field(m.index)
			if m.hidden || m.base != base || isUnset(fv, m) {
				continue
			}
			if !first {
				buf.WriteByte(',')
			}
			first = false
			writeString(buf, m.name)
			buf.WriteByte(':')
			writeValue(buf, fv, m)
		}
	}
	buf.WriteByte('}')
}

// isUnset reports whether a member is null in ServiceStack terms and so
// left out of the JSON.
func isUnset(fv reflect.Value, m *member) bool {
	switch m.kind {
	case kindString, kindEnum:
		return fv.String() == ""
	case kindDecimal:
		return fv.Interface().(decimal.Decimal) == decimal.Decimal{}
	case kindObject, kindList, kindDictionary:
		return fv.IsNil()
	}
	return false
}

func writeValue(buf *bytes.Buffer, fv reflect.Value, m *member) {
	switch m.kind {
	case kindString, kindEnum:
		writeString(buf, fv.String())
	case kindInt:
		buf.WriteString(strconv.FormatInt(fv.Int(), 10))
	case kindBool:
		buf.WriteString(strconv.FormatBool(fv.Bool()))
	case kindDecimal:
		buf.WriteString(formatDecimal(fv.Interface().(decimal.Decimal)))
	case kindObject:
		writeObject(buf, fv.Elem(), m.elem)
	case kindList:
		buf.WriteByte('[')
		for i := range fv.Len() {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeObject(buf, fv.Index(i), m.elem)
		}
		buf.WriteByte(']')
	case kindDictionary:
		writeDictionary(buf, fv.Interface().(map[string][]string))
	}
}

// writeDictionary writes keys in sorted order so the output is stable.
func writeDictionary(buf *bytes.Buffer, dict map[string][]string) {
	keys := make([]string, 0, len(dict))
	for k := range dict {
		keys = append(keys, k)
	}
	slices.Sort(keys)

	buf.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			buf.WriteByte(',')
		}
		writeString(buf, k)
		buf.WriteByte(':')
		values := dict[k]
		if values == nil {
			buf.WriteString("null")
			continue
		}
		buf.WriteByte('[')
		for n, s := range values {
			if n > 0 {
				buf.WriteByte(',')
			}
			writeString(buf, s)
		}
		buf.WriteByte(']')
	}
	buf.WriteByte('}')
}

func writeString(buf *bytes.Buffer, s string) {
	quoted, _ := json.Marshal(s) // a string always marshals
	buf.Write(quoted)
}
