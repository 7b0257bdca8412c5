package stream

// SanitizeMarkers sanitizes, in place, the Text of every marker in batch (Sanitize,
// no colours kept). Markers are tailui's own words, but they quote what servers say:
// a pod's waiting message, an API error, a Loki label set. The Hub calls it on every
// batch it is given, so that the promise of Line.Text holds for markers whichever
// source built them; log lines are sanitized where they are cut from the stream.
// A batch without markers, or whose markers are clean, costs one pass and nothing
// allocated.
func SanitizeMarkers(batch []Line) {
	for i := range batch {
		if l := &batch[i]; l.Kind != KindLog {
			l.Text = SanitizeString(l.Text, SanitizeOptions{})
		}
	}
}

// SanitizeStatus returns s with its Err sanitized (see SanitizeMarkers).
func SanitizeStatus(s Status) Status {
	s.Err = SanitizeString(s.Err, SanitizeOptions{})
	return s
}
