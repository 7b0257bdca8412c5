package kube

import (
	"fmt"
	"regexp"
	"strings"
)

// Container name prefixes that Summarize puts before init and ephemeral containers
// (PodSummary.Containers); QueryForPod takes names with or without them.
const (
	initPrefix  = "init:"
	debugPrefix = "debug:"
)

// QueryForPod is the Query that follows one pod of namespace ns: every container
// (init and ephemeral ones included), or only those named, as PodSummary.Containers
// names them ("init:migrate", "debug:x", "app").
func QueryForPod(ns, name string, containers []string) Query {
	q := Query{Namespaces: []string{ns}, FieldSelector: "metadata.name=" + name,
		InitContainers: true, EphemeralContainers: true}
	if len(containers) > 0 {
		names := make([]string, len(containers))
		for i, n := range containers {
			n = strings.TrimPrefix(n, initPrefix)
			n = strings.TrimPrefix(n, debugPrefix)
			names[i] = regexp.QuoteMeta(n)
		}
		q.Container = regexp.MustCompile("^(" + strings.Join(names, "|") + ")$")
	}
	return q
}

// QueryForWorkload is the Query that follows the pods, current and future, of a
// workload of namespace ns, written "Kind/name" as PodSummary.Workload has it
// ("Deployment/web", "StatefulSet/db"), with every kind of container.
func QueryForWorkload(ns, workload string) (Query, error) {
	kind, name, _ := strings.Cut(workload, "/")
	q := Query{Namespaces: []string{ns}, InitContainers: true, EphemeralContainers: true}
	if _, known := workloadKinds[strings.ToLower(kind)]; !known || name == "" {
		return Query{}, fmt.Errorf("cannot follow %s: not a workload tailui knows", workload)
	}
	q.Workload = strings.ToLower(kind) + "/" + name
	return q, nil
}
