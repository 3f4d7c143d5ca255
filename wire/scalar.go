package wire

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// Digit limits of a .NET System.Decimal: at most 28 digits after the point and
// 29 before it. Longer numbers are rejected before parsing, so a huge literal
// cannot make big.Int parsing slow. A 29-digit value above the decimal's
// maximum (about 7.9e28) still passes.
const (
	maxDecimalIntegerDigits  = 29
	maxDecimalFractionDigits = 28
)

// trimXMLSpace removes the whitespace XmlConvert ignores around numbers,
// booleans and enum names.
func trimXMLSpace(s string) string {
	return strings.Trim(s, " \t\r\n")
}

// parseInt reads a base-10 integer with an optional sign, as XmlConvert and
// the JSON number grammar write it.
func parseInt(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err == nil {
		return n, nil
	}
	if errors.Is(err, strconv.ErrRange) {
		return 0, fmt.Errorf("integer %q is out of range", s)
	}
	return 0, fmt.Errorf("%q is not an integer", s)
}

// parseBool reads an xsd:boolean: true, false, 1 or 0, lower case only.
func parseBool(s string) (bool, error) {
	switch s {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean; use true or false", s)
}

// parseDecimal reads a decimal written with an optional sign, digits and an
// optional '.', without exponent or thousands separators. The scale is kept:
// "500.00" has exponent -2.
func parseDecimal(s string) (decimal.Decimal, error) {
	invalid := fmt.Errorf("%q is not a decimal number; write digits with an optional '.' and no exponent", s)

	body := s
	negative := false
	if body != "" && (body[0] == '+' || body[0] == '-') {
		negative = body[0] == '-'
		body = body[1:]
	}
	intPart, fracPart, _ := strings.Cut(body, ".")
	if intPart == "" && fracPart == "" {
		return decimal.Decimal{}, invalid
	}
	if !allDigits(intPart) || !allDigits(fracPart) {
		return decimal.Decimal{}, invalid
	}
	if len(strings.TrimLeft(intPart, "0")) > maxDecimalIntegerDigits ||
		len(fracPart) > maxDecimalFractionDigits {
		return decimal.Decimal{}, fmt.Errorf("decimal %q is out of range", s)
	}

	// Rebuild a plain literal and let decimal parse it, so that a decoded
	// value has exactly the representation decimal.NewFromString gives.
	literal := intPart
	if literal == "" {
		literal = "0"
	}
	if fracPart != "" {
		literal += "." + fracPart
	}
	if negative {
		literal = "-" + literal
	}
	d, err := decimal.NewFromString(literal)
	if err != nil {
		return decimal.Decimal{}, invalid
	}
	return d, nil
}

// allDigits reports whether s holds only ASCII digits; "" counts.
func allDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parseEnum returns the canonical name of an enum value. XML compares names
// exactly, as DataContract does; JSON ignores case.
func parseEnum(names []string, s string, ignoreCase bool) (string, error) {
	for _, name := range names {
		if s == name || (ignoreCase && strings.EqualFold(s, name)) {
			return name, nil
		}
	}
	return "", fmt.Errorf("unknown value %q; allowed values are %s", s, strings.Join(names, ", "))
}

// formatDecimal writes d with its scale, so that 500.00 stays "500.00";
// decimal.String would drop the trailing zeros.
func formatDecimal(d decimal.Decimal) string {
	if d.Exponent() < 0 {
		return d.StringFixed(-d.Exponent())
	}
	return d.String()
}
