package main

import (
	"github.com/spf13/pflag"

	"github.com/tailui/tailui/kube"
)

// fillFlags are the flags of gap filling across sources: a pod stream's gap whose
// window is known is filled from Loki when a Loki is found.
type fillFlags struct {
	on     bool
	labels string
}

func (g *fillFlags) addFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&g.on, "fill-gaps", true, "fill a pod stream's gaps (lines lost to a rotation during a break) from Loki when a Loki is found, and refetch the entries a Loki tail drops from their pods; the spliced lines are marked (false: leave the markers alone)")
	fs.StringVar(&g.labels, "fill-labels", kube.DefaultFillLabels, "the Loki labels holding a pod line's namespace, pod and container, as FIELD=LABEL pairs (for --fill-gaps)")
}

// apply sets, when filling is on, lo.Fill for pod streams (Loki is looked for at
// the first gap) and the refetch of Loki tails' dropped entries from their pods;
// it returns the cleanup to run at the end.
func (g *fillFlags) apply(c *kube.Client, l *lokiFlags, lo *kube.LogOptions) (func(), error) {
	if !g.on || c == nil {
		return func() {}, nil
	}
	labels, err := kube.ParseFillLabels(g.labels)
	if err != nil {
		return nil, usageError{err}
	}
	l.refetch = kube.NewPodRefetcher(c, labels, lo.KeepSGR)
	o, err := l.options(0)
	if err != nil {
		return nil, err
	}
	f := kube.NewLokiFiller(c, o, kube.FillOptions{Labels: labels, KeepSGR: lo.KeepSGR})
	lo.Fill = f
	return f.Close, nil
}
