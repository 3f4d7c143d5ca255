// Package provision turns one accepted row of a BatchCustomerCreation
// request into the PortaBilling calls that create it. It is the one place
// that maps DTO fields to billing parameters; every DTO field that has no
// billing counterpart is listed in Plan.Ignored rather than dropped in
// silence.
package provision

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/portaplus2/batchcustomers/billing"
	"github.com/portaplus2/batchcustomers/wire"
)

// RowData is what the store keeps for one customer: the row as accepted
// plus the batch-level values that fill its gaps.
type RowData struct {
	ProductID  int64        `json:"product_id"`
	ResellerID int64        `json:"reseller_id"`
	Row        wire.CsvData `json:"row"`
}

// EncodeRow serialises row i of a batch for the store.
func EncodeRow(b *wire.BatchCustomerCreation, i int) (json.RawMessage, error) {
	data, err := json.Marshal(RowData{ProductID: b.ProductID, ResellerID: b.ResellerID, Row: b.CustData[i]})
	if err != nil {
		return nil, fmt.Errorf("encode row %d: %w", i, err)
	}
	return data, nil
}

// DecodeRow reads a stored row back.
func DecodeRow(data []byte) (RowData, error) {
	var r RowData
	if err := json.Unmarshal(data, &r); err != nil {
		return RowData{}, fmt.Errorf("decode stored row: %w", err)
	}
	return r, nil
}

// Plan is the billing work for one customer, in step order: customer,
// accounts, alias, display name and number, extensions.
type Plan struct {
	Name  string
	Login string
	// Customer is the customer_info of Customer.add_customer, without the
	// creation mark.
	Customer map[string]any
	// Accounts are in ascending Index order; the first is the primary.
	Accounts []AccountPlan
	// Alias is the alias number, digits only; "" for none.
	Alias string
	// Display is the cli feature set on every account; nil for none.
	Display *billing.ServiceFeature
	// Extensions point at accounts by position in Accounts.
	Extensions []ExtensionPlan
	// Ignored lists the DTO fields that were set but have no billing
	// counterpart, by field path.
	Ignored []string
}

// AccountPlan is one account to create.
type AccountPlan struct {
	// ID is the account id when the request gives one; otherwise the id is
	// Prefix followed by Digits random digits, drawn by the workflow.
	ID     string
	Prefix string
	Digits int
	// Info is the account_info of Account.add_account without id,
	// i_customer and the creation mark.
	Info map[string]any
}

// ExtensionPlan is one PBX extension.
type ExtensionPlan struct {
	Number  string
	Account int
	Name    string
}

// Build maps a stored row to its plan. It trusts that the row passed
// validation (wire.Validate) and fails only on rows it cannot map at all.
func Build(d RowData) (*Plan, error) {
	row := d.Row
	if row.Customer == nil || row.Customer.Customer == nil || row.Account == nil || row.Account.AccountRequest == nil {
		return nil, fmt.Errorf("row has no customer or account request")
	}
	m := &mapper{}
	p := &Plan{}
	p.Customer = m.customer(row.Customer, d.ResellerID)
	p.Name, _ = p.Customer["name"].(string)
	p.Login, _ = p.Customer["login"].(string)

	req := row.Account.AccountRequest
	order := accountOrder(req.AccountsToCreate)
	for _, i := range order {
		p.Accounts = append(p.Accounts, m.account(req, i, d.ProductID))
	}
	m.ignoreAccountRequest(req)

	if n, ok := wire.NormalizeNumber(row.AliasNumber); ok {
		p.Alias = n
	}
	p.Display = m.display(row, req)
	p.Extensions = extensions(row, req, order)
	sort.Strings(m.ignored)
	p.Ignored = m.ignored
	return p, nil
}

// accountOrder returns the positions of the accounts in ascending Index
// order, so that the primary account (lowest Index) comes first.
func accountOrder(accounts []wire.AccountInformation) []int {
	order := make([]int, len(accounts))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		return accounts[order[a]].Index < accounts[order[b]].Index
	})
	return order
}

func extensions(row wire.CsvData, req *wire.AccountRequest, order []int) []ExtensionPlan {
	var out []ExtensionPlan
	seen := map[string]bool{}
	for pos, i := range order {
		a := req.AccountsToCreate[i]
		raw := a.Extension
		if pos == 0 && raw == "" {
			raw = row.ExtensionNo
		}
		number, ok := wire.NormalizeNumber(raw)
		if !ok || seen[number] {
			continue
		}
		seen[number] = true
		name := a.Label
		if name == "" {
			name = joinNonEmpty(" ", a.FirstName, a.LastName)
		}
		out = append(out, ExtensionPlan{Number: number, Account: pos, Name: name})
	}
	return out
}
