package ui

import (
	"slices"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

func TestCustomKeys(t *testing.T) {
	cases := []struct {
		name    string
		custom  map[string][]string
		wantErr bool
	}{
		{"none", nil, false},
		{"rename search", map[string][]string{"Search": {"ctrl+f"}}, false},
		{"case and separators", map[string][]string{"next_match": {"ctrl+n"}, "prevmatch": {"ctrl+p"}}, false},
		{"unknown", map[string][]string{"Explode": {"x"}}, true},
		{"empty", map[string][]string{"Quit": {}}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckKeys(tc.custom)
			if (err != nil) != tc.wantErr {
				t.Fatalf("CheckKeys: %v, want error %v", err, tc.wantErr)
			}
		})
	}
	km, err := newKeyMapWith(map[string][]string{"Search": {"ctrl+f"}})
	if err != nil {
		t.Fatal(err)
	}
	if !key.Matches(tea.KeyPressMsg{Code: 'f', Mod: tea.ModCtrl}, km.Search) {
		t.Error("ctrl+f does not search")
	}
	if key.Matches(tea.KeyPressMsg{Code: '/', Text: "/"}, km.Search) {
		t.Error("/ still searches")
	}
	if km.Search.Help().Key != "ctrl+f" || km.Search.Help().Desc == "" {
		t.Errorf("help %+v", km.Search.Help())
	}
	if slices.Contains(km.PageDown.Keys(), "ctrl+f") {
		t.Errorf("page down kept ctrl+f after search took it: %v", km.PageDown.Keys())
	}
	if !slices.Contains(km.PageDown.Keys(), "pgdown") {
		t.Errorf("page down lost its other keys: %v", km.PageDown.Keys())
	}
	if !slices.Contains(BindingNames(), "NextMatch") {
		t.Error("BindingNames lacks NextMatch")
	}
}
