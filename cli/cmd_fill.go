package cli

import (
	"github.com/spf13/pflag"

	"github.com/tailui/tailui/kube"
	"github.com/tailui/tailui/loki"
)

// fillFlags are the flags of gap filling across sources: a pod stream's gap whose
// window is known is filled from Loki when a Loki is found.
type fillFlags struct {
	on     bool
	labels string
}

func (g *fillFlags) addFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&g.on, "fill-gaps", true, "fill a pod stream's gaps (lines lost to a rotation during a break) from Loki when a Loki is found, and refetch the entries a Loki tail drops from their pods; the spliced lines are marked (false: leave the markers alone)")
	fs.StringVar(&g.labels, "fill-labels", loki.DefaultFillLabels, "the Loki labels holding a pod line's namespace, pod and container, as FIELD=LABEL pairs (for --fill-gaps)")
}

// clusterFill is what gap filling sets up for one cluster: each cluster fills its
// pod streams' gaps from its own Loki and refetches its own Loki tails' drops from
// its own pods.
type clusterFill struct {
	fill    *loki.LokiFiller
	refetch *kube.PodRefetcher
}

// fills holds the gap filling of every cluster; a missing cluster (filling off, or
// the cluster failed to open) fills nothing.
type fills map[*kube.Cluster]clusterFill

// log returns lo with cl's filler set.
func (ff fills) log(cl *kube.Cluster, lo kube.LogOptions) kube.LogOptions {
	if f, ok := ff[cl]; ok {
		lo.Fill = f.fill
	}
	return lo
}

// loki returns l with cl's refetcher set.
func (ff fills) loki(cl *kube.Cluster, l lokiFlags) lokiFlags {
	l.refetch = ff[cl].refetch
	return l
}

// apply sets up, when filling is on, every open cluster's filler for pod streams
// (Loki is looked for at the first gap) and refetcher of Loki tails' dropped
// entries; it returns the cleanup to run at the end.
func (g *fillFlags) apply(clusters []*kube.Cluster, l *lokiFlags, lo kube.LogOptions) (fills, func(), error) {
	ff := fills{}
	if !g.on {
		return ff, func() {}, nil
	}
	labels, err := loki.ParseFillLabels(g.labels)
	if err != nil {
		return nil, nil, usageError{err}
	}
	o, err := l.options(0)
	if err != nil {
		return nil, nil, err
	}
	for _, cl := range clusters {
		if cl.Client == nil || cl.Err != nil {
			continue
		}
		ff[cl] = clusterFill{
			fill:    loki.NewLokiFiller(cl.Client, o, loki.FillOptions{Labels: labels, KeepSGR: lo.KeepSGR}),
			refetch: kube.NewPodRefetcher(cl.Client, labels, lo.KeepSGR),
		}
	}
	return ff, func() {
		for _, f := range ff {
			f.fill.Close()
		}
	}, nil
}
