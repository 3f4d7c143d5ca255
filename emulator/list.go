package emulator

import (
	"fmt"
	"strings"
)

// listQuery builds the WHERE clause of a get_*_list call.
type listQuery struct {
	conds []string
	args  []any
}

func (q *listQuery) add(cond string, args ...any) {
	q.conds = append(q.conds, cond)
	q.args = append(q.args, args...)
}

// addPattern filters column by the text param key: an SQL LIKE pattern
// when it contains % or _, an exact match otherwise.
func (q *listQuery) addPattern(p fields, key, column string) error {
	v, ok, err := p.str(key)
	if err != nil || !ok || v == "" {
		return err
	}
	if strings.ContainsAny(v, "%_") {
		q.add(column+" LIKE ?", v)
	} else {
		q.add(column+" = ?", v)
	}
	return nil
}

// addID filters column by the id param key when it is present.
func (q *listQuery) addID(p fields, key, column string) error {
	v, ok, err := p.id(key)
	if err != nil || !ok {
		return err
	}
	q.add(column+" = ?", v)
	return nil
}

// filter returns the conditions joined for a WHERE clause.
func (q *listQuery) filter() string {
	if len(q.conds) == 0 {
		return "1=1"
	}
	return strings.Join(q.conds, " AND ")
}

// where builds the WHERE clause with the order and the page. A zero limit
// means no limit.
func (q *listQuery) where(orderBy string, limit, offset int64) string {
	clause := q.filter() + " ORDER BY " + orderBy
	if limit > 0 {
		clause += fmt.Sprintf(" LIMIT %d OFFSET %d", limit, offset)
	}
	return clause
}
