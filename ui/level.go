package ui

import "github.com/tailui/tailui/stream"

// detectLevel finds the level of s and the span that says so (stream.DetectLevel).
func detectLevel(s string) (lv level, start, end int) { return stream.DetectLevel(s) }

// levelWord maps the value of a level field to a level (stream.ParseLevel).
func levelWord(w string) level { return stream.ParseLevel(w) }
