//go:build tools

// Package tools pins modules that the project needs before its own code
// imports them, so that go mod tidy keeps them in go.mod.
package tools

import (
	_ "github.com/kelseyhightower/envconfig"
	_ "github.com/shopspring/decimal"
	_ "github.com/stretchr/testify/require"
	_ "go.temporal.io/sdk/client"
	_ "go.uber.org/zap"
	_ "go.uber.org/zap/exp/zapslog"
	_ "golang.org/x/net/html/charset"
	_ "golang.org/x/sync/singleflight"
	_ "modernc.org/sqlite"
)
