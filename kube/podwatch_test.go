package kube

import (
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	k8stesting "k8s.io/client-go/testing"
)

// labelled returns a running pod with one container "app" (ID containerd://NAME) and
// the label app=APP.
func labelled(fa *fakeAPI, name, app string, entries []logEntry) *corev1.Pod {
	p := runningPod("ns", name, "app")
	p.Labels = map[string]string{"app": app}
	p.Status.ContainerStatuses[0].ContainerID = "containerd://" + name
	fa.setLog("containerd://"+name, entries, false)
	return p
}

// Two Followers of one client in one namespace share one informer: one watch
// request, each Follower filtering by its own selector; the informer stops with its
// last Follower and a later Follower starts a new one.
func TestFollowersShareOneWatch(t *testing.T) {
	noWatchList(t)
	fa := newFakeAPI(t)
	web := numbered("web", 0, 4, t0, time.Millisecond)
	db := numbered("db", 0, 3, t0, time.Millisecond)
	fa.addPod(labelled(fa, "web-1", "web", web))
	fa.addPod(labelled(fa, "db-0", "db", db))
	var watches atomic.Int32
	watched := make(chan struct{}, 8)
	fa.store.PrependWatchReactor("pods", func(a k8stesting.Action) (bool, watch.Interface, error) {
		w := a.(k8stesting.WatchAction)
		if r := w.GetWatchRestrictions(); !r.Labels.Empty() || !r.Fields.Empty() || a.GetNamespace() != "ns" {
			t.Errorf("watch of namespace %q with labels %q, fields %q; want namespace ns, no selector",
				a.GetNamespace(), r.Labels, r.Fields)
		}
		watches.Add(1)
		watched <- struct{}{}
		return false, nil, nil // on to the store's own watch
	})
	client := fa.discoveryClient()
	lo := LogOptions{Follow: true, TailLines: -1}
	webSink, dbSink := newLogSink(), newLogSink()
	fWeb := startSource(t, &Follower{Client: client, Query: Query{LabelSelector: "app=web"}, Log: lo}, webSink)
	fDB := startSource(t, &Follower{Client: client, Query: Query{LabelSelector: "app=db"}, Log: lo}, dbSink)
	webSink.waitFor(t, "web-1's lines", func() bool { return len(logsOf(webSink, "web-1/app")) == len(web) })
	dbSink.waitFor(t, "db-0's lines", func() bool { return len(logsOf(dbSink, "db-0/app")) == len(db) })

	// A pod that appears later reaches the Follower whose selector it matches only.
	web2 := labelled(fa, "web-2", "web", numbered("web2", 0, 2, t0.Add(time.Minute), time.Millisecond))
	web2.CreationTimestamp = metav1.Now()
	fa.addPod(web2)
	webSink.waitFor(t, "web-2's lines", func() bool { return len(logsOf(webSink, "web-2/app")) == 2 })
	if n := watches.Load(); n != 1 {
		t.Errorf("two Followers in one namespace opened %d watches, want 1", n)
	}
	if err := fWeb.stop(); err != nil {
		t.Errorf("web Follower: %v", err)
	}
	if n := client.podWatchers().active(); n != 1 {
		t.Errorf("%d informers run while the db Follower still does, want 1", n)
	}
	if err := fDB.stop(); err != nil {
		t.Errorf("db Follower: %v", err)
	}
	if got := logsOf(dbSink, "web-1/app"); len(got) > 0 {
		t.Errorf("the db Follower got %d lines of web-1", len(got))
	}
	if got := logsOf(dbSink, "web-2/app"); len(got) > 0 {
		t.Errorf("the db Follower got %d lines of web-2", len(got))
	}
	if n := client.podWatchers().active(); n != 0 {
		t.Errorf("%d informers run after the last Follower left, want 0", n)
	}

	// The next Follower starts a new informer, with its own watch.
	again := newLogSink()
	startSource(t, &Follower{Client: client, Query: Query{LabelSelector: "app=db"}, Log: lo}, again)
	again.waitFor(t, "db-0's lines again", func() bool { return len(logsOf(again, "db-0/app")) == len(db) })
	<-watched // the first informer's
	select {
	case <-watched:
	case <-time.After(30 * time.Second):
	}
	if n := watches.Load(); n != 2 {
		t.Errorf("after the last Follower left, a new one opened %d watches in all, want 2", n)
	}
}
