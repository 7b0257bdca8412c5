package main

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tailui/tailui/hack/internal/testbedspec"
)

// podStatus builds the status a real kubelet would report for p.
func podStatus(p *podState, hostIP string) v1.PodStatus {
	st := v1.PodStatus{
		HostIP:    hostIP,
		HostIPs:   []v1.HostIP{{IP: hostIP}},
		StartTime: ptrTime(p.startTime),
	}
	if ip, _ := p.addr(); ip != "" {
		st.PodIP = ip
		st.PodIPs = []v1.PodIP{{IP: ip}}
	}
	var (
		mainTotal, mainRunning, mainDone, mainWaiting int
		unready                                       []string
	)
	for _, c := range p.store.containerList(p) {
		cs := containerStatus(c)
		switch c.kind {
		case kindInit, kindSidecar:
			st.InitContainerStatuses = append(st.InitContainerStatuses, cs)
		case kindEphemeral:
			st.EphemeralContainerStatuses = append(st.EphemeralContainerStatuses, cs)
		}
		if c.kind == kindMain {
			st.ContainerStatuses = append(st.ContainerStatuses, cs)
			mainTotal++
			switch {
			case cs.State.Running != nil:
				mainRunning++
			case cs.State.Terminated != nil:
				mainDone++
			case cs.LastTerminationState.Terminated != nil:
				// Waiting to restart after a crash: "stopped" in the kubelet's
				// getPhase, which keeps a restartable pod Running.
			default:
				mainWaiting++
			}
		}
		if (c.kind == kindMain || c.kind == kindSidecar) && !cs.Ready {
			unready = append(unready, c.name)
		}
	}
	sort.Strings(unready)

	// The times are the pod's start: conditions changed then and not since.
	t := metav1.NewTime(p.startTime)
	cond := func(typ v1.PodConditionType, ok bool, reason, msg string) v1.PodCondition {
		s := v1.ConditionTrue
		if !ok {
			s = v1.ConditionFalse
		}
		return v1.PodCondition{Type: typ, Status: s, LastTransitionTime: t, Reason: reason, Message: msg}
	}
	switch {
	case p.succeeded || (mainTotal > 0 && mainDone == mainTotal):
		st.Phase = v1.PodSucceeded
		st.Conditions = []v1.PodCondition{
			cond(v1.PodReadyToStartContainers, false, "", ""),
			cond(v1.PodInitialized, true, "PodCompleted", ""),
			cond(v1.PodReady, false, "PodCompleted", ""),
			cond(v1.ContainersReady, false, "PodCompleted", ""),
			cond(v1.PodScheduled, true, "", ""),
		}
	case mainWaiting > 0:
		msg := "containers with unready status: [" + strings.Join(unready, " ") + "]"
		st.Phase = v1.PodPending
		st.Conditions = []v1.PodCondition{
			cond(v1.PodReadyToStartContainers, true, "", ""),
			cond(v1.PodInitialized, true, "", ""),
			cond(v1.PodReady, false, "ContainersNotReady", msg),
			cond(v1.ContainersReady, false, "ContainersNotReady", msg),
			cond(v1.PodScheduled, true, "", ""),
		}
	default:
		st.Phase = v1.PodRunning
		ready := len(unready) == 0
		msg, reason := "", ""
		if !ready {
			reason, msg = "ContainersNotReady", "containers with unready status: ["+strings.Join(unready, " ")+"]"
		}
		st.Conditions = []v1.PodCondition{
			cond(v1.PodReadyToStartContainers, true, "", ""),
			cond(v1.PodInitialized, true, "", ""),
			cond(v1.PodReady, ready, reason, msg),
			cond(v1.ContainersReady, ready, reason, msg),
			cond(v1.PodScheduled, true, "", ""),
		}
	}
	return st
}

// containerStatus builds one container's status from its current and previous runs.
func containerStatus(c *container) v1.ContainerStatus {
	s := c.snapshot()
	cs := v1.ContainerStatus{
		Name:         c.name,
		Image:        c.image,
		ImageID:      imageID(c.image),
		RestartCount: s.restarts,
		Started:      ptrBool(false),
	}
	switch {
	case s.cur == nil && s.crashMsg != "" && s.prev != nil:
		// CrashLoopBackOff as a real kubelet shows it: waiting, with the dead
		// container's ID both here and in lastState.terminated.
		cs.ContainerID = containerID(s.prev.id)
		cs.State.Waiting = &v1.ContainerStateWaiting{Reason: "CrashLoopBackOff", Message: s.crashMsg}
	case s.cur == nil:
		cs.State.Waiting = &v1.ContainerStateWaiting{Reason: s.waiting}
	case s.running:
		cs.ContainerID = containerID(s.cur.id)
		cs.State.Running = &v1.ContainerStateRunning{StartedAt: metav1.NewTime(s.cur.startedAt.Truncate(time.Second))}
		cs.Ready = true
		cs.Started = ptrBool(true)
	default:
		cs.ContainerID = containerID(s.cur.id)
		cs.State.Terminated = terminated(s.cur)
		// A completed init container counts as ready, as with a real kubelet.
		cs.Ready = c.kind == kindInit && s.cur.exitCode == 0
	}
	if s.prev != nil {
		cs.LastTerminationState.Terminated = terminated(s.prev)
	}
	return cs
}

func terminated(in *instance) *v1.ContainerStateTerminated {
	return &v1.ContainerStateTerminated{
		ExitCode:    in.exitCode,
		Reason:      in.reason,
		StartedAt:   metav1.NewTime(in.startedAt.Truncate(time.Second)),
		FinishedAt:  metav1.NewTime(in.finishedAt.Truncate(time.Second)),
		ContainerID: containerID(in.id),
	}
}

func containerID(id string) string { return testbedspec.ContainerIDScheme + "://" + id }

// imageID makes a stable digest reference for an image, as a runtime reports it.
func imageID(image string) string {
	sum := sha256.Sum256([]byte(image))
	repo := image
	if i := strings.LastIndex(repo, "@"); i >= 0 {
		repo = repo[:i]
	} else if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
		repo = repo[:i]
	}
	return repo + "@sha256:" + hex.EncodeToString(sum[:])
}

func ptrTime(t time.Time) *metav1.Time { mt := metav1.NewTime(t); return &mt }

func ptrBool(b bool) *bool { return &b }
