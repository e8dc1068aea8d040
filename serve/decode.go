package serve

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"
)

// bodyDecoder returns a decoder of r's body that refuses unknown fields,
// and the buffer that keeps a copy of the bytes it reads (for checkKeys).
func bodyDecoder(r *http.Request) (*json.Decoder, *bytes.Buffer) {
	body := new(bytes.Buffer)
	dec := json.NewDecoder(io.TeeReader(r.Body, body))
	dec.DisallowUnknownFields()
	return dec, body
}

// fieldNames caches, by request type, the JSON names of its fields
// (jsonFields).
var fieldNames sync.Map // reflect.Type -> map[string]int

// jsonFields returns the JSON names of the fields of the struct type t as
// encoding/json names them (the tag's name, else the field's; fields of
// embedded structs without a tag count as t's own; "-" and unexported
// fields left out), each with its number.
func jsonFields(t reflect.Type) map[string]int {
	if m, ok := fieldNames.Load(t); ok {
		return m.(map[string]int)
	}
	names := map[string]int{}
	var add func(t reflect.Type)
	add = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
				add(ft)
				continue
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if isObject(ft) {
				// The keys of nested objects would be matched without
				// regard to case again: no request has one.
				panic(fmt.Sprintf("serve: request field %q of %v is a JSON object; decode checks the top-level keys only", name, t))
			}
			if _, ok := names[name]; !ok { // a name shadowed by another is one key
				names[name] = len(names)
			}
		}
	}
	add(t)
	m, _ := fieldNames.LoadOrStore(t, names)
	return m.(map[string]int)
}

// isObject reports whether values of t, or the items of a slice or array
// of them, are JSON objects with struct fields (decoded field by field).
func isObject(t reflect.Type) bool {
	for t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return false
	}
	p := reflect.PointerTo(t)
	return !p.Implements(reflect.TypeFor[json.Unmarshaler]()) && !p.Implements(reflect.TypeFor[encoding.TextUnmarshaler]())
}

// checkKeys checks the keys of the top-level object of body, a valid JSON
// document that decoded into v (a pointer to a struct): each must be the
// exact JSON name of one of v's fields (encoding/json also takes a name
// in another case, "Model" or "TOP_K", and lets the last of a key given
// twice win). An unknown key is reported as encoding/json reports one,
// a key given twice naming it.
func checkKeys(body []byte, v any) error {
	t := reflect.TypeOf(v)
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return nil
	}
	names := jsonFields(t.Elem())
	seen := make([]bool, len(names))
	return topLevelKeys(body, func(key string) error {
		i, ok := names[key]
		if !ok {
			for n := range names {
				if strings.EqualFold(n, key) {
					return errorf(http.StatusBadRequest, "unknown field %q (field names are case-sensitive: %q)", key, n)
				}
			}
			return errorf(http.StatusBadRequest, "unknown field %q", key)
		}
		if seen[i] {
			return errorf(http.StatusBadRequest, "field %q: given more than once", key)
		}
		seen[i] = true
		return nil
	})
}

// topLevelKeys calls f with each key of the object at the top level of b,
// a valid JSON document, in order, until f returns an error.
func topLevelKeys(b []byte, f func(key string) error) error {
	depth := 0
	key := false // the next string at depth 1 is a key
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '{':
			depth++
			key = depth == 1
		case '[':
			depth++
		case '}', ']':
			depth--
		case ',':
			key = depth == 1
		case '"':
			j := i + 1
			escaped := false
			for ; b[j] != '"'; j++ {
				if b[j] == '\\' {
					escaped = true
					j++
				}
			}
			if key {
				key = false
				s := string(b[i+1 : j])
				if escaped {
					if err := json.Unmarshal(b[i:j+1], &s); err != nil {
						return err
					}
				}
				if err := f(s); err != nil {
					return err
				}
			}
			i = j
		}
	}
	return nil
}
