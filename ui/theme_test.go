package ui

import (
	"slices"
	"testing"

	"charm.land/lipgloss/v2"
)

func TestColorFGBG(t *testing.T) {
	for in, dark := range map[string]bool{
		"": true, "15;0": true, "0;15": false, "default;default;0": true, "0;7": false,
		"0;8": true, "garbage": true, "0;default": true, "12;11": false,
	} {
		if got := colorFGBGDark(in); got != dark {
			t.Errorf("COLORFGBG=%q: dark = %v, want %v", in, got, dark)
		}
	}
}

func TestIsDark(t *testing.T) {
	for _, tt := range []struct {
		hex  string
		dark bool
	}{{"#000000", true}, {"#1e1e2e", true}, {"#ffffff", false}, {"#fdf6e3", false}, {"#002b36", true}, {"#808080", false}} {
		if got := isDark(lipgloss.Color(tt.hex)); got != tt.dark {
			t.Errorf("%s: dark = %v, want %v", tt.hex, got, tt.dark)
		}
	}
}

func TestThemeFor(t *testing.T) {
	t.Setenv("COLORFGBG", "0;15") // a light terminal; tests have no terminal to ask
	for _, tt := range []struct {
		mode string
		dark bool
	}{{ThemeDark, true}, {ThemeLight, false}, {ThemeAuto, false}} {
		th, dark := ThemeFor(tt.mode)
		if dark != tt.dark || slices.Equal(th.Origins, DefaultTheme().Origins) != tt.dark {
			t.Errorf("%s: dark %v, want %v", tt.mode, dark, tt.dark)
		}
	}
	t.Setenv("COLORFGBG", "15;0")
	if _, dark := ThemeFor(ThemeAuto); !dark {
		t.Error("auto on a dark terminal: light")
	}
}
