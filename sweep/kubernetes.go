package sweep

import (
	"fmt"
	"path"
	"strconv"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// KubernetesOptions shape the Job that runs a sweep on Kubernetes.
type KubernetesOptions struct {
	Name        string // the Job's name
	Image       string // an image with hhnet on its PATH
	Claim       string // a PersistentVolumeClaim holding the sweep folder, shared by the pods
	Dir         string // the sweep folder inside the claim's mount
	Parallelism int    // pods at a time
	Workers     int    // cores per pod, passed as --workers
}

// KubernetesMountPath is where the pods mount the claim.
const KubernetesMountPath = "/sweep"

// KubernetesJob returns an Indexed Job with one completion per run of m:
// pod i runs `hhnet sweep run-task --index i` on the shared folder, so a
// rescheduled pod resumes its run from the checkpoint there (run-task is
// idempotent).
func KubernetesJob(m *Manifest, o KubernetesOptions) (*batchv1.Job, error) {
	if o.Name == "" || o.Image == "" || o.Claim == "" {
		return nil, fmt.Errorf("a Kubernetes Job needs a name, an image and a volume claim")
	}
	n := int32(len(m.Runs))
	if n == 0 {
		return nil, fmt.Errorf("the sweep has no runs")
	}
	par := int32(max(1, min(o.Parallelism, len(m.Runs))))
	workers := max(1, o.Workers)
	mode := batchv1.IndexedCompletion
	backoff := int32(3) // per index: a failed run is retried three times
	dir := path.Join(KubernetesMountPath, o.Dir)
	cpu := resource.MustParse(strconv.Itoa(workers))
	return &batchv1.Job{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: metav1.ObjectMeta{Name: o.Name, Labels: map[string]string{"app": "hhnet-sweep"}},
		Spec: batchv1.JobSpec{
			Completions:          &n,
			Parallelism:          &par,
			CompletionMode:       &mode,
			BackoffLimitPerIndex: &backoff,
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "hhnet-sweep"}},
				Spec: corev1.PodSpec{
					RestartPolicy: corev1.RestartPolicyNever,
					// run-task checkpoints on SIGTERM: give it time to.
					TerminationGracePeriodSeconds: ptr(int64(120)),
					Containers: []corev1.Container{{
						Name:  "run",
						Image: o.Image,
						Command: []string{"hhnet", "sweep", "run-task", "--dir", dir,
							"--index", "$(JOB_COMPLETION_INDEX)", "--workers", strconv.Itoa(workers)},
						Resources: corev1.ResourceRequirements{
							Requests: corev1.ResourceList{corev1.ResourceCPU: cpu},
						},
						VolumeMounts: []corev1.VolumeMount{{Name: "sweep", MountPath: KubernetesMountPath}},
					}},
					Volumes: []corev1.Volume{{
						Name: "sweep",
						VolumeSource: corev1.VolumeSource{
							PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: o.Claim},
						},
					}},
				},
			},
		},
	}, nil
}

func ptr[T any](v T) *T { return &v }
