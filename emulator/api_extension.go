package emulator

import (
	"encoding/json"
	"fmt"
	"maps"
)

// addCustomerExtension implements Customer.add_customer_extension. The
// extension points to i_account, which must be an open account of the same
// customer, or to a new account made from i_product. Numbers are unique
// per customer.
func (s *Server) addCustomerExtension(c *call) (any, error) {
	customerID, err := c.p.requiredID("i_customer")
	if err != nil {
		return nil, err
	}
	number, err := c.p.requiredStr("id")
	if err != nil {
		return nil, err
	}
	name, _, err := c.p.str("name")
	if err != nil {
		return nil, err
	}
	accountID, hasAccount, err := c.p.id("i_account")
	if err != nil {
		return nil, err
	}
	productID, hasProduct, err := c.p.id("i_product")
	if err != nil {
		return nil, err
	}
	if hasAccount == hasProduct {
		return nil, faultf("Client.Customer.missing_required_field.i_account",
			"Exactly one of i_account or i_product is required")
	}

	ext := extensionRow{
		Extension: Extension{ICustomer: customerID, ID: number, Name: name},
		info:      normalizeIDs(maps.Clone(c.p.m)),
	}
	err = s.store.write(c.ctx, func(tx *txn) error {
		if _, err := openCustomer(tx, customerID); err != nil {
			return err
		}
		if err := checkExtensionNumber(tx, customerID, number); err != nil {
			return err
		}
		if hasProduct {
			accountID, err = s.accountForExtension(tx, customerID, number, productID)
		} else {
			err = checkExtensionAccount(tx, customerID, accountID)
		}
		if err != nil {
			return err
		}
		ext.IAccount = accountID
		if ext.ICExt, err = s.store.nextID(tx, seqExtension); err != nil {
			return err
		}
		return insertExtension(tx, &ext)
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"i_c_ext": ext.ICExt}, nil
}

func checkExtensionNumber(tx *txn, customerID int64, number string) error {
	n, err := countRows(tx, "SELECT COUNT(*) FROM extensions WHERE i_customer = ? AND id = ?",
		customerID, number)
	if err != nil {
		return err
	}
	if n > 0 {
		return faultf(FaultExtensionInUse, "Extension number %s is already in use by customer %d",
			number, customerID)
	}
	return nil
}

func checkExtensionAccount(tx *txn, customerID, accountID int64) error {
	acc, err := findAccount(tx, "i_account = ? AND bill_status <> 'C' AND billing_model <> ?",
		accountID, billingModelAlias)
	if err != nil {
		return err
	}
	if acc == nil || acc.ICustomer != customerID {
		return faultf(FaultExtensionAccount, "Account %d not found among open accounts of customer %d",
			accountID, customerID)
	}
	return nil
}

// accountForExtension creates the account an extension with i_product
// points to. Its id is derived from the customer and the number.
func (s *Server) accountForExtension(tx *txn, customerID int64, number string, productID int64) (int64, error) {
	acc := &Account{
		ID:           fmt.Sprintf("ext%d-%s", customerID, number),
		ICustomer:    customerID,
		BillingModel: 1,
		BillStatus:   statusOpen,
		Blocked:      "N",
		Info:         map[string]any{"i_product": json.Number(fmt.Sprint(productID))},
	}
	if err := checkAccount(tx, acc); err != nil {
		return 0, err
	}
	id, err := s.store.nextID(tx, seqAccount)
	if err != nil {
		return 0, err
	}
	acc.IAccount = id
	return id, saveAccount(tx, acc)
}

func insertExtension(tx *txn, e *extensionRow) error {
	info, err := json.Marshal(e.info)
	if err != nil {
		return fmt.Errorf("encode extension: %w", err)
	}
	_, err = tx.Exec("INSERT INTO extensions ("+extensionColumns+") VALUES (?, ?, ?, ?, ?, ?)",
		e.ICExt, e.ICustomer, e.ID, e.IAccount, e.Name, string(info))
	if err != nil {
		return fmt.Errorf("insert extension %d: %w", e.ICExt, err)
	}
	return nil
}

// getExtensionsList implements Customer.get_extensions_list for one
// customer, with the extension and name patterns (exact unless they hold
// % or _), limit, offset and get_total.
func (s *Server) getExtensionsList(c *call) (any, error) {
	customerID, err := c.p.requiredID("i_customer")
	if err != nil {
		return nil, err
	}
	q := listQuery{}
	q.add("i_customer = ?", customerID)
	if err := q.addPattern(c.p, "extension", "id"); err != nil {
		return nil, err
	}
	if err := q.addPattern(c.p, "name", "name"); err != nil {
		return nil, err
	}
	limit, offset, err := c.p.page()
	if err != nil {
		return nil, err
	}

	var views []map[string]any
	var total int64
	err = s.store.read(c.ctx, func(tx *txn) error {
		rows, err := queryExtensionRows(tx, q.where("i_c_ext", limit, offset), q.args...)
		if err != nil {
			return err
		}
		if views, err = extensionViews(tx, rows); err != nil {
			return err
		}
		total, err = countRows(tx, "SELECT COUNT(*) FROM extensions WHERE "+q.filter(), q.args...)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := map[string]any{"extensions_list": views}
	if c.p.flag("get_total") {
		out["total"] = total
	}
	return out, nil
}

// extensionViews renders list rows with the account's id and customer.
func extensionViews(tx *txn, rows []extensionRow) ([]map[string]any, error) {
	views := make([]map[string]any, 0, len(rows))
	for _, r := range rows {
		published, _ := r.info["published"].(string)
		if published == "" {
			published = "N"
		}
		v := map[string]any{
			"i_c_ext":               r.ICExt,
			"i_customer":            r.ICustomer,
			"id":                    r.ID,
			"name":                  r.Name,
			"i_account":             r.IAccount,
			"published":             published,
			"type":                  "Account",
			"account_id":            nil,
			"i_customer_of_account": nil,
		}
		acc, err := findAccount(tx, "i_account = ?", r.IAccount)
		if err != nil {
			return nil, err
		}
		if acc != nil {
			v["account_id"], v["i_customer_of_account"] = acc.ID, acc.ICustomer
		}
		views = append(views, v)
	}
	return views, nil
}

// deleteCustomerExtension implements Customer.delete_customer_extension.
// The account the extension points to stays.
func (s *Server) deleteCustomerExtension(c *call) (any, error) {
	customerID, err := c.p.requiredID("i_customer")
	if err != nil {
		return nil, err
	}
	extID, err := c.p.requiredID("i_c_ext")
	if err != nil {
		return nil, err
	}

	err = s.store.write(c.ctx, func(tx *txn) error {
		res, err := tx.Exec("DELETE FROM extensions WHERE i_customer = ? AND i_c_ext = ?", customerID, extID)
		if err != nil {
			return fmt.Errorf("delete extension %d: %w", extID, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err != nil {
				return fmt.Errorf("delete extension %d: %w", extID, err)
			}
			return faultf(FaultExtensionNotFound, "Extension %d of customer %d not found", extID, customerID)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return success(), nil
}
