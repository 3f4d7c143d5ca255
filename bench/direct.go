package bench

import (
	"context"
	"fmt"
	"sync"

	"github.com/portaplus2/batchcustomers/billing"
	"github.com/portaplus2/batchcustomers/provision"
)

// DirectLoop creates every row with the same billing calls the service
// makes on a first attempt, concurrency rows at a time, with no Temporal and no store: the
// bound that billing alone sets. Generated account ids are not
// supported; the rows must name their accounts.
func DirectLoop(ctx context.Context, bc *billing.Client, rows []provision.RowData, concurrency int) error {
	work := make(chan provision.RowData)
	errs := make(chan error, len(rows))
	var wg sync.WaitGroup
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for row := range work {
				if err := createDirectly(ctx, bc, row); err != nil {
					errs <- err
				}
			}
		}()
	}
	for _, r := range rows {
		work <- r
	}
	close(work)
	wg.Wait()
	close(errs)
	return <-errs
}

func createDirectly(ctx context.Context, bc *billing.Client, row provision.RowData) error {
	p, err := provision.Build(row)
	if err != nil {
		return err
	}
	iCustomer, err := bc.AddCustomer(ctx, p.Customer)
	if err != nil {
		return fmt.Errorf("add customer %s: %w", p.Name, err)
	}
	var accounts []int64
	for _, a := range p.Accounts {
		info := map[string]any{"id": a.ID, "i_customer": iCustomer}
		for k, v := range a.Info {
			info[k] = v
		}
		id, err := bc.AddAccount(ctx, info)
		if err != nil {
			return fmt.Errorf("add account %s: %w", a.ID, err)
		}
		accounts = append(accounts, id)
	}
	if p.Alias != "" {
		if err := bc.AddAlias(ctx, accounts[0], p.Alias); err != nil {
			return err
		}
		if _, err := bc.GetAccountByID(ctx, p.Alias); err != nil {
			return err
		}
	}
	if p.Display != nil {
		for _, acc := range accounts {
			if err := bc.UpdateAccountServiceFeatures(ctx, acc, []billing.ServiceFeature{*p.Display}); err != nil {
				return err
			}
			if _, err := bc.GetAccount(ctx, acc, "cli"); err != nil {
				return err
			}
		}
	}
	for _, e := range p.Extensions {
		if _, err := bc.AddExtension(ctx, iCustomer, e.Number, accounts[e.Account], e.Name); err != nil {
			return err
		}
	}
	return nil
}
