package emulator

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// parseResellers reads the comma-separated i_customer ids of Config.Resellers.
func parseResellers(spec string) ([]int64, error) {
	var ids []int64
	for part := range strings.SplitSeq(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		id, err := strconv.ParseInt(part, 10, 64)
		if err != nil || id < 1 {
			return nil, fmt.Errorf("reseller id %q is invalid: use positive whole numbers separated by commas", part)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// seedResellers creates the configured reseller customers that are missing.
// A batch names its reseller by id (ResellerID, sent as i_parent), and the
// emulator rejects a parent that does not exist, so the resellers a test or
// demo uses must be there first. The customer sequence is moved past the
// seeded ids so that new customers never collide with them.
func (st *store) seedResellers(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	return st.write(ctx, func(tx *txn) error {
		var highest int64
		for _, id := range ids {
			_, err := tx.Exec(`INSERT INTO customers (i_customer, name, iso_4217, info)
				VALUES (?, ?, 'USD', '{"i_customer_type": 2}') ON CONFLICT DO NOTHING`,
				id, fmt.Sprintf("Reseller %d", id))
			if err != nil {
				return fmt.Errorf("seed reseller %d: %w", id, err)
			}
			highest = max(highest, id)
		}
		_, err := tx.Exec(`INSERT INTO sequences (name, value) VALUES (?, ?)
			ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)`, seqCustomer, highest)
		if err != nil {
			return fmt.Errorf("move customer ids past the resellers: %w", err)
		}
		return nil
	})
}
