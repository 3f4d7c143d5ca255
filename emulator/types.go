package emulator

import "time"

// State is a full dump of the emulated billing data, the body of
// GET /_emulator/state. Lists are ordered by id.
type State struct {
	Customers  []Customer  `json:"customers"`
	Accounts   []Account   `json:"accounts"`
	Extensions []Extension `json:"extensions"`
}

// Customer is a stored customer record. Info contains every field of
// customer_info as the client sent it, merged with later updates.
type Customer struct {
	ICustomer       int64            `json:"i_customer"`
	Name            string           `json:"name"`
	Login           string           `json:"login"`
	ISO4217         string           `json:"iso_4217"`
	Note            string           `json:"note"`
	BillStatus      string           `json:"bill_status"`
	Blocked         string           `json:"blocked"`
	IParent         *int64           `json:"i_parent"`
	Info            map[string]any   `json:"info"`
	ServiceFeatures []ServiceFeature `json:"service_features"`
}

// Account is a stored account record. Aliases are accounts with
// BillingModel 2 and a non-nil IMasterAccount. Info contains every field of
// account_info (or alias_info) as the client sent it.
type Account struct {
	IAccount        int64            `json:"i_account"`
	ID              string           `json:"id"`
	ICustomer       int64            `json:"i_customer"`
	BillingModel    int              `json:"billing_model"`
	IMasterAccount  *int64           `json:"i_master_account"`
	Note            string           `json:"note"`
	BillStatus      string           `json:"bill_status"`
	Blocked         string           `json:"blocked"`
	Info            map[string]any   `json:"info"`
	ServiceFeatures []ServiceFeature `json:"service_features"`
}

// Extension is a stored customer extension: a short number that points to
// an account.
type Extension struct {
	ICExt     int64  `json:"i_c_ext"`
	ICustomer int64  `json:"i_customer"`
	ID        string `json:"id"`
	IAccount  int64  `json:"i_account"`
	Name      string `json:"name"`
}

// ServiceFeature is one service feature of a customer or account as stored,
// without the effective values that reads compute.
type ServiceFeature struct {
	Name       string      `json:"name"`
	FlagValue  string      `json:"flag_value"`
	Attributes []Attribute `json:"attributes"`
}

// Attribute is one attribute of a service feature. Values are always a
// list of strings, as in the PortaBilling API.
type Attribute struct {
	Name   string   `json:"name"`
	Values []string `json:"values"`
}

// Call is one journal entry of GET /_emulator/calls: a /rest/ request and
// what the emulator did with it.
type Call struct {
	Seq    int64     `json:"seq"`
	Time   time.Time `json:"time"`
	Method string    `json:"method"`
	// Params are the request params with passwords, tokens and session ids
	// replaced by "***".
	Params map[string]any `json:"params"`
	// Outcome is "ok", the faultcode of a fault response, "http_<status>"
	// for an injected transport status, "committed_then_<status>" or
	// "committed_then_dropped" for commit_then_fail, "hang" when the client
	// gave up during a hang rule, "canceled" when it gave up during a
	// delay, or "pending" while the call runs.
	Outcome string `json:"outcome"`
	// Status is the HTTP status sent, 0 when the connection was dropped or
	// the client left.
	Status     int    `json:"status"`
	Rule       string `json:"rule,omitempty"`
	DurationMS int64  `json:"duration_ms"`
}
