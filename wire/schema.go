package wire

import (
	"reflect"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// memberKind is the wire type of a DTO member.
type memberKind int

const (
	kindString memberKind = iota
	kindInt
	kindBool
	kindDecimal
	kindEnum
	kindObject     // pointer to a DTO struct
	kindList       // slice of DTO structs
	kindDictionary // map[string][]string
)

// valueType reports whether the member is a .NET value type, which cannot be
// null: i:nil, an empty element or a JSON null are decode errors for it.
func (k memberKind) valueType() bool {
	return k == kindInt || k == kindBool || k == kindDecimal || k == kindEnum
}

// member describes one data member of a contract.
type member struct {
	name  string // XML local name and JSON key
	index int    // Go field index
	kind  memberKind
	enum  []string  // canonical names of an enum member
	elem  *contract // contract of an object member or of a list's items
	// base marks the base-class members (ContentId, FeatureName, License),
	// which ServiceStack writes last in JSON.
	base bool
	// hidden marks the root's base-class License: no name lookup finds it,
	// because XML tells the two License elements apart by position and JSON
	// carries only the batch's own one.
	hidden bool
}

// contract describes one DTO struct: its data contract name, the namespace of
// the members it declares, and the members in DataContract order (the Go
// field order of dto.go).
type contract struct {
	name    string
	typ     reflect.Type
	ns      string
	members []member
	byName  map[string]*member // XML local name
	byKey   map[string]*member // lower-cased JSON key
}

// dtoContracts lists the classes declared in the Web.Dto namespace; every
// other DTO class is declared in Common.Models.
var dtoContracts = map[string]bool{
	"BatchCustomerCreation": true,
	"CsvData":               true,
	"CreateAccount":         true,
	"CreateCustomer":        true,
}

// Canonical names of the enums, in declaration order.
var (
	billingModelNames = []string{
		string(BillingModelReChargeVoucher), string(BillingModelDebit), string(BillingModelCredit),
	}
	rtpProxyNames = []string{
		string(RTPProxyDirect), string(RTPProxyOptimal), string(RTPProxyOnNat), string(RTPProxyAlways),
	}
	answeringModeNames = []string{string(DefaultAnsweringModeReject)}
)

// enumNames finds the names of an enum member by its Go type.
var enumNames = map[reflect.Type][]string{
	reflect.TypeFor[BillingModel]():         billingModelNames,
	reflect.TypeFor[RTPProxy]():             rtpProxyNames,
	reflect.TypeFor[DefaultAnsweringMode](): answeringModeNames,
}

var (
	decimalType    = reflect.TypeFor[decimal.Decimal]()
	dictionaryType = reflect.TypeFor[map[string][]string]()
)

// rootContract is the schema of the whole request tree, built once from the
// Go types so that the XML and JSON codecs share one list of names.
var rootContract = newContractBuilder().build(reflect.TypeFor[BatchCustomerCreation]())

type contractBuilder struct {
	seen map[reflect.Type]*contract
}

func newContractBuilder() *contractBuilder {
	return &contractBuilder{seen: map[reflect.Type]*contract{}}
}

func (b *contractBuilder) build(t reflect.Type) *contract {
	if c, ok := b.seen[t]; ok {
		return c
	}
	c := &contract{
		name:   t.Name(),
		typ:    t,
		ns:     NamespaceModels,
		byName: map[string]*member{},
		byKey:  map[string]*member{},
	}
	if dtoContracts[t.Name()] {
		c.ns = NamespaceDto
	}
	b.seen[t] = c

	for i := range t.NumField() {
		c.members = append(c.members, b.member(t, i))
	}
	for i := range c.members {
		m := &c.members[i]
		if !m.hidden {
			c.byName[m.name] = m
			c.byKey[strings.ToLower(m.name)] = m
		}
	}
	return c
}

func (b *contractBuilder) member(t reflect.Type, i int) member {
	f := t.Field(i)
	m := member{name: f.Name, index: i, base: isBaseMember(t, f)}
	if tag, ok := f.Tag.Lookup("json"); ok {
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" {
			m.hidden = true
		} else if name != "" {
			m.name = name
		}
	}
	if name := f.Tag.Get("datamember"); name != "" {
		m.name = name
	}

	switch {
	case f.Type == decimalType:
		m.kind = kindDecimal
	case f.Type == dictionaryType:
		m.kind = kindDictionary
	case enumNames[f.Type] != nil:
		m.kind = kindEnum
		m.enum = enumNames[f.Type]
	case f.Type.Kind() == reflect.String:
		m.kind = kindString
	case f.Type.Kind() == reflect.Int64:
		m.kind = kindInt
	case f.Type.Kind() == reflect.Bool:
		m.kind = kindBool
	case f.Type.Kind() == reflect.Pointer && f.Type.Elem().Kind() == reflect.Struct:
		m.kind = kindObject
		m.elem = b.build(f.Type.Elem())
	case f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.Struct:
		m.kind = kindList
		m.elem = b.build(f.Type.Elem())
	default:
		panic("wire: unsupported DTO field type " + t.Name() + "." + f.Name + " " + f.Type.String())
	}
	return m
}

// isBaseMember reports whether field f of t is inherited from the request
// base class.
func isBaseMember(t reflect.Type, f reflect.StructField) bool {
	switch f.Name {
	case "ContentId", "FeatureName", "BaseLicense":
		return true
	case "License":
		// The root's License is its own member; the base one is BaseLicense.
		return t.Name() != "BatchCustomerCreation"
	}
	return false
}

// kindName names a member's wire type in error messages.
func (m *member) kindName() string {
	switch m.kind {
	case kindInt:
		return "an integer"
	case kindBool:
		return "a boolean"
	case kindDecimal:
		return "a decimal number"
	case kindEnum:
		return "one of " + strings.Join(m.enum, ", ")
	case kindObject:
		return "an object"
	case kindList:
		return "a list"
	case kindDictionary:
		return "a dictionary"
	default:
		return "a string"
	}
}

// joinPath appends a member name to a field path.
func joinPath(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

// indexPath appends a list index to a field path.
func indexPath(parent string, i int) string {
	return parent + "[" + strconv.Itoa(i) + "]"
}

// keyPath appends a dictionary key to a field path.
func keyPath(parent, key string) string {
	return parent + "[" + strconv.Quote(key) + "]"
}
