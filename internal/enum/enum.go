// Package enum names the values of small integer enumerations
// (text.Mode, text.LabelFormat, tag.Scheme), so that each type writes its
// names once, in one table that both its String method and its Parse
// function read.
package enum

import (
	"fmt"
	"strings"
)

// Names is the name table of an enumeration T whose values are 0, 1, ...
//
// A Names must not be modified after first use; its methods are then safe
// for concurrent use.
type Names[T ~int] struct {
	// Pkg and What name the enumeration in Parse's error ("text",
	// "tokenizer mode": `text: unknown tokenizer mode "x" (want ...)`);
	// Type names it in String for a value without a name ("Mode(7)").
	Pkg, What, Type string
	// Names[v] is the name of value v: what String returns and what
	// Parse accepts first.
	Names []string
	// Aliases are further spellings that Parse accepts.
	Aliases map[string]T
	// Fold makes Parse ignore case (Unicode simple folding).
	Fold bool
}

// String returns the name of v, or Type(v) for a value without a name.
func (n *Names[T]) String(v T) string {
	if v >= 0 && int(v) < len(n.Names) {
		return n.Names[v]
	}
	return fmt.Sprintf("%s(%d)", n.Type, int(v))
}

// Parse returns the value named s (a name or an alias), or an error that
// lists the names.
func (n *Names[T]) Parse(s string) (T, error) {
	key := s
	if n.Fold {
		key = strings.ToLower(s)
	}
	for v, name := range n.Names {
		if key == name {
			return T(v), nil
		}
	}
	if v, ok := n.Aliases[key]; ok {
		return v, nil
	}
	return 0, fmt.Errorf("%s: unknown %s %q (want %s)", n.Pkg, n.What, s, n.want())
}

// want lists the names as "a, b or c".
func (n *Names[T]) want() string {
	k := len(n.Names)
	if k < 2 {
		return strings.Join(n.Names, "")
	}
	return strings.Join(n.Names[:k-1], ", ") + " or " + n.Names[k-1]
}
