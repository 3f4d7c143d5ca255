package billing

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Int is an integer that billing may send as a number, a numeric string
// ("1201", "5.00000") or null (zero).
type Int int64

// UnmarshalJSON accepts numbers, numeric strings and null.
func (n *Int) UnmarshalJSON(data []byte) error {
	s := string(bytes.TrimSpace(data))
	if s == "null" || s == `""` {
		*n = 0
		return nil
	}
	s = strings.Trim(s, `"`)
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		*n = Int(i)
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != float64(int64(f)) {
		return fmt.Errorf("billing integer %s is not a whole number", string(data))
	}
	*n = Int(f)
	return nil
}

// Text is a string that billing may send as null.
type Text string

// UnmarshalJSON accepts strings, numbers and null.
func (t *Text) UnmarshalJSON(data []byte) error {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	switch x := v.(type) {
	case nil:
		*t = ""
	case string:
		*t = Text(x)
	default:
		*t = Text(strings.Trim(string(data), `"`))
	}
	return nil
}

// Bill statuses of customers and accounts.
const (
	BillStatusOpen   = "O"
	BillStatusClosed = "C"
)

// CustomerInfo is the part of a customer record the service reads.
type CustomerInfo struct {
	ICustomer  Int  `json:"i_customer"`
	Name       Text `json:"name"`
	Login      Text `json:"login"`
	Note       Text `json:"note"`
	BillStatus Text `json:"bill_status"`
}

// Closed reports whether the customer was terminated.
func (c *CustomerInfo) Closed() bool { return c.BillStatus == BillStatusClosed }

// AccountInfo is the part of an account or alias record the service reads.
type AccountInfo struct {
	IAccount        Int              `json:"i_account"`
	ID              Text             `json:"id"`
	ICustomer       Int              `json:"i_customer"`
	IMasterAccount  Int              `json:"i_master_account"`
	BillingModel    Int              `json:"billing_model"`
	Note            Text             `json:"note"`
	BillStatus      Text             `json:"bill_status"`
	ServiceFeatures []ServiceFeature `json:"service_features"`
}

// Closed reports whether the account was terminated.
func (a *AccountInfo) Closed() bool { return a.BillStatus == BillStatusClosed }

// BillingModelAlias marks alias records, which share the account-id space.
const BillingModelAlias = 2

// ServiceFeature is a service feature of an account or customer.
type ServiceFeature struct {
	Name       string      `json:"name"`
	FlagValue  string      `json:"flag_value"`
	Attributes []Attribute `json:"attributes,omitempty"`
}

// Attribute is one attribute of a service feature; values are always a
// list of strings on the wire.
type Attribute struct {
	Name            string    `json:"name"`
	Values          []*string `json:"values"`
	EffectiveValues []*string `json:"effective_values,omitempty"`
}

// NewAttribute builds an attribute from plain values.
func NewAttribute(name string, values ...string) Attribute {
	a := Attribute{Name: name, Values: make([]*string, len(values))}
	for i := range values {
		a.Values[i] = &values[i]
	}
	return a
}

// Strings returns the attribute's values with null items as "".
func Strings(values []*string) []string {
	out := make([]string, len(values))
	for i, v := range values {
		if v != nil {
			out[i] = *v
		}
	}
	return out
}

// Extension is a PBX extension of a customer.
type Extension struct {
	ICExt     Int  `json:"i_c_ext"`
	ID        Text `json:"id"`
	Name      Text `json:"name"`
	IAccount  Int  `json:"i_account"`
	ICustomer Int  `json:"i_customer"`
}
