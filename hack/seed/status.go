package main

import (
	"context"
	"fmt"
	"os"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
)

// writeWorkloadStatuses writes the status the controllers would, so `kubectl get
// deploy,sts,ds,job` reads like a healthy cluster. Best effort: a failure is a warning.
func (s *seeder) writeWorkloadStatuses(ctx context.Context) {
	warn := func(what string, err error) {
		if err != nil {
			fmt.Fprintf(os.Stderr, "seed: warning: status of %s: %v\n", what, err)
		}
	}
	now := metav1.NewTime(time.Now())
	for _, d := range s.deployments {
		warn("deployment "+d.Namespace+"/"+d.Name, retry.RetryOnConflict(retry.DefaultRetry, func() error {
			cur, err := s.client.AppsV1().Deployments(d.Namespace).Get(ctx, d.Name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			n := *cur.Spec.Replicas
			cur.Status = appsv1.DeploymentStatus{
				ObservedGeneration: cur.Generation, Replicas: n, UpdatedReplicas: n, ReadyReplicas: n, AvailableReplicas: n,
				Conditions: []appsv1.DeploymentCondition{
					{Type: appsv1.DeploymentAvailable, Status: v1.ConditionTrue, Reason: "MinimumReplicasAvailable",
						Message: "Deployment has minimum availability.", LastUpdateTime: now, LastTransitionTime: now},
					{Type: appsv1.DeploymentProgressing, Status: v1.ConditionTrue, Reason: "NewReplicaSetAvailable",
						Message:        fmt.Sprintf("ReplicaSet %q has successfully progressed.", s.rsOf(cur.Name, cur.Namespace)),
						LastUpdateTime: now, LastTransitionTime: now},
				},
			}
			_, err = s.client.AppsV1().Deployments(d.Namespace).UpdateStatus(ctx, cur, metav1.UpdateOptions{})
			return err
		}))
	}
	for _, rs := range s.replicaSets {
		warn("replicaset "+rs.Namespace+"/"+rs.Name, retry.RetryOnConflict(retry.DefaultRetry, func() error {
			cur, err := s.client.AppsV1().ReplicaSets(rs.Namespace).Get(ctx, rs.Name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			n := *cur.Spec.Replicas
			cur.Status = appsv1.ReplicaSetStatus{ObservedGeneration: cur.Generation, Replicas: n,
				FullyLabeledReplicas: n, ReadyReplicas: n, AvailableReplicas: n}
			_, err = s.client.AppsV1().ReplicaSets(rs.Namespace).UpdateStatus(ctx, cur, metav1.UpdateOptions{})
			return err
		}))
	}
	for _, ss := range s.statefulSets {
		warn("statefulset "+ss.Namespace+"/"+ss.Name, retry.RetryOnConflict(retry.DefaultRetry, func() error {
			cur, err := s.client.AppsV1().StatefulSets(ss.Namespace).Get(ctx, ss.Name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			n := *cur.Spec.Replicas
			rev := ss.Name + "-" + templateHash(ss.Namespace, ss.Name, "statefulset")
			cur.Status = appsv1.StatefulSetStatus{ObservedGeneration: cur.Generation, Replicas: n, ReadyReplicas: n,
				CurrentReplicas: n, UpdatedReplicas: n, AvailableReplicas: n, CurrentRevision: rev, UpdateRevision: rev}
			_, err = s.client.AppsV1().StatefulSets(ss.Namespace).UpdateStatus(ctx, cur, metav1.UpdateOptions{})
			return err
		}))
	}
	for _, ds := range s.daemonSets {
		warn("daemonset "+ds.Namespace+"/"+ds.Name, retry.RetryOnConflict(retry.DefaultRetry, func() error {
			cur, err := s.client.AppsV1().DaemonSets(ds.Namespace).Get(ctx, ds.Name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			cur.Status = appsv1.DaemonSetStatus{ObservedGeneration: cur.Generation, CurrentNumberScheduled: 1,
				DesiredNumberScheduled: 1, NumberReady: 1, UpdatedNumberScheduled: 1, NumberAvailable: 1}
			_, err = s.client.AppsV1().DaemonSets(ds.Namespace).UpdateStatus(ctx, cur, metav1.UpdateOptions{})
			return err
		}))
	}
	for _, j := range s.jobs {
		warn("job "+j.Namespace+"/"+j.Name, retry.RetryOnConflict(retry.DefaultRetry, func() error {
			cur, err := s.client.BatchV1().Jobs(j.Namespace).Get(ctx, j.Name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			if cur.Status.CompletionTime != nil {
				return nil // already written by an earlier run
			}
			start := metav1.NewTime(cur.CreationTimestamp.Add(-time.Minute))
			if cur.Status.StartTime != nil {
				start = *cur.Status.StartTime
			}
			done := metav1.NewTime(now.Add(-time.Second))
			cur.Status = batchv1.JobStatus{
				StartTime: &start, CompletionTime: &done, Succeeded: 1, Ready: ptr(int32(0)), Terminating: ptr(int32(0)),
				UncountedTerminatedPods: &batchv1.UncountedTerminatedPods{},
				Conditions: []batchv1.JobCondition{
					{Type: batchv1.JobSuccessCriteriaMet, Status: v1.ConditionTrue, Reason: batchv1.JobReasonCompletionsReached,
						Message: "Reached expected number of succeeded pods", LastProbeTime: done, LastTransitionTime: done},
					{Type: batchv1.JobComplete, Status: v1.ConditionTrue, Reason: batchv1.JobReasonCompletionsReached,
						Message: "Reached expected number of succeeded pods", LastProbeTime: done, LastTransitionTime: done},
				},
			}
			_, err = s.client.BatchV1().Jobs(j.Namespace).UpdateStatus(ctx, cur, metav1.UpdateOptions{})
			return err
		}))
	}
}

func (s *seeder) rsOf(deployment, ns string) string {
	for _, rs := range s.replicaSets {
		if rs.Namespace == ns && len(rs.OwnerReferences) > 0 && rs.OwnerReferences[0].Name == deployment {
			return rs.Name
		}
	}
	return deployment
}
