package ui

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
)

// BindingNames lists the names of every key binding, as docs/keys.md and the config
// file's keys section spell them (Quit, Search, NextMatch, ...).
func BindingNames() []string {
	t := reflect.TypeOf(keyMap{})
	names := make([]string, 0, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		names = append(names, t.Field(i).Name)
	}
	sort.Strings(names)
	return names
}

// CheckKeys reports the first problem with custom bindings: an unknown binding name
// or an empty key list. Names match case-insensitively.
func CheckKeys(custom map[string][]string) error {
	_, err := newKeyMapWith(custom)
	return err
}

// newKeyMapWith is newKeyMap with some bindings given other keys. The help label of a
// changed binding shows its new first key.
func newKeyMapWith(custom map[string][]string) (*keyMap, error) {
	km := newKeyMap()
	if len(custom) == 0 {
		return km, nil
	}
	v := reflect.ValueOf(km).Elem()
	t := v.Type()
	byLower := map[string]int{}
	for i := 0; i < t.NumField(); i++ {
		byLower[strings.ToLower(t.Field(i).Name)] = i
	}
	set := map[int]bool{}      // fields the user changed
	taken := map[string]bool{} // keys the user gave to them
	names := make([]string, 0, len(custom))
	for n := range custom {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		keys := custom[name]
		i, ok := byLower[strings.ToLower(strings.NewReplacer("_", "", "-", "").Replace(name))]
		if !ok {
			return nil, fmt.Errorf("unknown key binding %q (the names are in docs/keys.md)", name)
		}
		if len(keys) == 0 {
			return nil, fmt.Errorf("key binding %s: no keys given", name)
		}
		b := v.Field(i).Addr().Interface().(*key.Binding)
		b.SetKeys(keys...)
		b.SetHelp(strings.Join(keys, "/"), b.Help().Desc)
		set[i] = true
		for _, k := range keys {
			taken[k] = true
		}
	}
	// A key the user gave to one binding leaves the bindings that had it by default
	// (ctrl+f is page down until it is made search): the user's choice wins.
	for i := 0; i < t.NumField(); i++ {
		if set[i] {
			continue
		}
		b := v.Field(i).Addr().Interface().(*key.Binding)
		var kept []string
		for _, k := range b.Keys() {
			if !taken[k] {
				kept = append(kept, k)
			}
		}
		if len(kept) != len(b.Keys()) {
			b.SetKeys(kept...)
			if len(kept) == 0 {
				b.SetEnabled(false)
			} else if taken[b.Help().Key] {
				b.SetHelp(kept[0], b.Help().Desc)
			}
		}
	}
	return km, nil
}
