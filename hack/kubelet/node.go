package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/tailui/tailui/hack/internal/testbedspec"
)

const heartbeatInterval = 20 * time.Second

// nodeAgent registers the Node and keeps its heartbeat fresh.
type nodeAgent struct {
	client  kubernetes.Interface
	name    string
	address string
	port    int32
	podCIDR string
	log     *slog.Logger
	since   time.Time // when the conditions last changed: at start
}

func (n *nodeAgent) labels() map[string]string {
	return map[string]string{
		"kubernetes.io/hostname":           n.name,
		"kubernetes.io/os":                 runtime.GOOS,
		"kubernetes.io/arch":               runtime.GOARCH,
		"beta.kubernetes.io/os":            runtime.GOOS,
		"beta.kubernetes.io/arch":          runtime.GOARCH,
		"node.kubernetes.io/instance-type": "testbed",
	}
}

// register creates the Node or brings an existing one up to date, then writes its status.
func (n *nodeAgent) register(ctx context.Context) error {
	nodes := n.client.CoreV1().Nodes()
	existing, err := nodes.Get(ctx, n.name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		node := &v1.Node{
			ObjectMeta: metav1.ObjectMeta{
				Name:   n.name,
				Labels: n.labels(),
				Annotations: map[string]string{
					"volumes.kubernetes.io/controller-managed-attach-detach": "true",
					"node.alpha.kubernetes.io/ttl":                           "0",
				},
			},
			Spec:   v1.NodeSpec{PodCIDR: n.podCIDR, PodCIDRs: []string{n.podCIDR}},
			Status: n.status(time.Now()),
		}
		if _, err := nodes.Create(ctx, node, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("kubelet: create node: %w", err)
		}
		n.log.Info("node registered", "node", n.name, "address", n.address, "port", n.port)
	case err != nil:
		return fmt.Errorf("kubelet: get node: %w", err)
	default:
		node := existing.DeepCopy()
		if node.Labels == nil {
			node.Labels = map[string]string{}
		}
		for k, v := range n.labels() {
			node.Labels[k] = v
		}
		if node.Spec.PodCIDR == "" {
			node.Spec.PodCIDR, node.Spec.PodCIDRs = n.podCIDR, []string{n.podCIDR}
		}
		node.Spec.Unschedulable = false
		if _, err := nodes.Update(ctx, node, metav1.UpdateOptions{}); err != nil {
			return fmt.Errorf("kubelet: update node: %w", err)
		}
		n.log.Info("node updated", "node", n.name, "address", n.address, "port", n.port)
	}
	return n.heartbeat(ctx)
}

// status is the node status a healthy kubelet reports at now.
func (n *nodeAgent) status(now time.Time) v1.NodeStatus {
	hb, tr := metav1.NewTime(now), metav1.NewTime(n.since)
	cond := func(t v1.NodeConditionType, s v1.ConditionStatus, reason, msg string) v1.NodeCondition {
		return v1.NodeCondition{Type: t, Status: s, LastHeartbeatTime: hb, LastTransitionTime: tr, Reason: reason, Message: msg}
	}
	res := v1.ResourceList{
		v1.ResourceCPU:              resource.MustParse("4"),
		v1.ResourceMemory:           resource.MustParse("16Gi"),
		v1.ResourcePods:             resource.MustParse("110"),
		v1.ResourceEphemeralStorage: resource.MustParse("100Gi"),
	}
	kernel := "6.1.0"
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		kernel = strings.TrimSpace(string(b))
	}
	return v1.NodeStatus{
		Capacity:    res,
		Allocatable: res,
		Conditions: []v1.NodeCondition{
			cond(v1.NodeMemoryPressure, v1.ConditionFalse, "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
			cond(v1.NodeDiskPressure, v1.ConditionFalse, "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
			cond(v1.NodePIDPressure, v1.ConditionFalse, "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
			cond(v1.NodeReady, v1.ConditionTrue, "KubeletReady", "kubelet is posting ready status"),
		},
		Addresses: []v1.NodeAddress{
			{Type: v1.NodeInternalIP, Address: n.address},
			{Type: v1.NodeHostName, Address: n.name},
		},
		DaemonEndpoints: v1.NodeDaemonEndpoints{KubeletEndpoint: v1.DaemonEndpoint{Port: n.port}},
		NodeInfo: v1.NodeSystemInfo{
			MachineID:               "7e571bed7e571bed7e571bed7e571bed",
			SystemUUID:              "7e571bed-0000-4000-8000-7e571bed0000",
			BootID:                  "7e571bed-0000-4000-8000-000000000001",
			KernelVersion:           kernel,
			OSImage:                 "tailui test bed (stand-in kubelet)",
			ContainerRuntimeVersion: testbedspec.ContainerIDScheme + "://1.0.0",
			KubeletVersion:          testbedspec.KubeletVersion,
			OperatingSystem:         runtime.GOOS,
			Architecture:            runtime.GOARCH,
		},
	}
}

// heartbeat refreshes the node's conditions and its lease.
func (n *nodeAgent) heartbeat(ctx context.Context) error {
	now := time.Now()
	body, err := json.Marshal(map[string]any{"status": n.status(now)})
	if err != nil {
		return fmt.Errorf("kubelet: encode node status: %w", err)
	}
	if _, err := n.client.CoreV1().Nodes().Patch(ctx, n.name, types.MergePatchType, body, metav1.PatchOptions{}, "status"); err != nil {
		return fmt.Errorf("kubelet: patch node status: %w", err)
	}
	return n.renewLease(ctx, now)
}

func (n *nodeAgent) renewLease(ctx context.Context, now time.Time) error {
	leases := n.client.CoordinationV1().Leases(v1.NamespaceNodeLease)
	renew := metav1.NewMicroTime(now)
	l, err := leases.Get(ctx, n.name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		dur := int32(40)
		holder := n.name
		l = &coordinationv1.Lease{
			ObjectMeta: metav1.ObjectMeta{Name: n.name, Namespace: v1.NamespaceNodeLease},
			Spec:       coordinationv1.LeaseSpec{HolderIdentity: &holder, LeaseDurationSeconds: &dur, RenewTime: &renew},
		}
		_, err = leases.Create(ctx, l, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("kubelet: create lease: %w", err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("kubelet: get lease: %w", err)
	}
	l.Spec.RenewTime = &renew
	if _, err := leases.Update(ctx, l, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("kubelet: renew lease: %w", err)
	}
	return nil
}

// run keeps the heartbeat going until ctx ends.
func (n *nodeAgent) run(ctx context.Context) {
	t := time.NewTicker(heartbeatInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			hctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			if err := n.heartbeat(hctx); err != nil {
				n.log.Warn("heartbeat failed", "err", err)
			}
			cancel()
		}
	}
}
