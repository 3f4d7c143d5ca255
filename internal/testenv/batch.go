package testenv

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/portaplus2/batchcustomers/wire"
)

func readSample(t testing.TB) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(moduleRoot(t), "samples", "batch-3-customers.xml"))
	require.NoError(t, err)
	return data
}

// MakeBatch builds a batch of n customers from the sample's first row,
// with unique names, logins, account ids, alias and display numbers. seed
// keeps batches apart: batches made with different seeds share no name,
// login, account id or alias.
func MakeBatch(t testing.TB, n, seed int) *wire.BatchCustomerCreation {
	t.Helper()
	sample, err := wire.DecodeXML(bytes.NewReader(readSample(t)))
	require.NoError(t, err)
	template, err := json.Marshal(sample.CustData[0])
	require.NoError(t, err)

	b := &wire.BatchCustomerCreation{ProductID: sample.ProductID, ResellerID: sample.ResellerID, License: sample.License}
	for i := 0; i < n; i++ {
		var row wire.CsvData
		require.NoError(t, json.Unmarshal(template, &row))
		pi := row.Customer.Customer.PersonalInformation
		pi.Name = fmt.Sprintf("Load Test Customer %d-%03d", seed, i)
		pi.Login = fmt.Sprintf("loadtest%d%03d", seed, i)
		for j := range row.Account.AccountRequest.AccountsToCreate {
			row.Account.AccountRequest.AccountsToCreate[j].AcntId = fmt.Sprintf("130%d555%03d%d", seed, i, j)
		}
		row.AliasNumber = fmt.Sprintf("130%d666%04d", seed, i)
		row.DisplayNumber = row.AliasNumber
		b.CustData = append(b.CustData, row)
	}
	return b
}
