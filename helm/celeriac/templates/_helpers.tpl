{{/* Object name prefix: the release name, with the chart name unless the release already has it. */}}
{{- define "celeriac.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "celeriac.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "celeriac.selectorLabels" -}}
app.kubernetes.io/name: {{ include "celeriac.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end }}

{{- define "celeriac.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "celeriac.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: celeriac
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "celeriac.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "celeriac.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "celeriac.leaseName" -}}
{{- default (include "celeriac.fullname" .) .Values.leaderElection.leaseName }}
{{- end }}

{{/* The one namespace the operator watches, or "" for all (cluster scope). */}}
{{- define "celeriac.watchNamespace" -}}
{{- if eq .Values.rbac.scope "namespace" }}
{{- default .Release.Namespace .Values.watchNamespace }}
{{- end }}
{{- end }}

{{- define "celeriac.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/*
Rules across values that values.schema.json cannot state with a readable message. Included by
the Deployment, so `helm template`, `install` and `upgrade` all stop with the message.
*/}}
{{- define "celeriac.validate" -}}
{{- if and (gt (int .Values.replicaCount) 1) (not .Values.leaderElection.enabled) }}
{{- fail "replicaCount > 1 needs leaderElection.enabled=true: without the Lease every replica would reconcile at once" }}
{{- end }}
{{- if and (eq .Values.rbac.scope "cluster") .Values.watchNamespace }}
{{- fail "watchNamespace is only for rbac.scope=namespace: with rbac.scope=cluster the operator watches every namespace" }}
{{- end }}
{{- if and (ne .Values.nats.auth.type "none") (not .Values.nats.auth.existingSecret) }}
{{- fail (printf "nats.auth.existingSecret is required with nats.auth.type=%s: name a Secret in namespace %s holding the credentials" .Values.nats.auth.type .Release.Namespace) }}
{{- end }}
{{- if and (not .Values.serviceAccount.create) (not .Values.serviceAccount.name) }}
{{- fail "serviceAccount.name is required with serviceAccount.create=false: name the existing ServiceAccount the operator runs as" }}
{{- end }}
{{- $np := .Values.networkPolicy }}
{{- if $np.enabled }}
{{- range $peer, $what := dict "nats" "NATS" "dns" "cluster DNS" }}
{{- $v := index $np $peer }}
{{- if not (or $v.namespaceSelector $v.podSelector $v.cidrs) }}
{{- fail (printf "networkPolicy.%s needs a namespaceSelector, podSelector or cidrs that say where %s runs" $peer $what) }}
{{- end }}
{{- end }}
{{- if not $np.apiServer.cidrs }}
{{- fail "networkPolicy.apiServer.cidrs needs at least one CIDR: without it the operator cannot reach the API server" }}
{{- end }}
{{- if and $np.workers.enabled (eq .Values.rbac.scope "cluster") (not $np.workers.namespaces) }}
{{- fail "networkPolicy.workers.namespaces must list the namespaces of your WorkerPools with rbac.scope=cluster (or set networkPolicy.workers.enabled=false)" }}
{{- end }}
{{- end }}
{{- if and .Values.metrics.serviceMonitor.enabled (not .Values.metrics.service.enabled) }}
{{- fail "metrics.serviceMonitor.enabled needs metrics.service.enabled: a ServiceMonitor scrapes through the Service" }}
{{- end }}
{{- end }}

{{/*
NetworkPolicy peers from a { namespaceSelector, podSelector, cidrs } value: one peer for the
selectors unless both are empty, one ipBlock per CIDR.
*/}}
{{- define "celeriac.networkPolicy.peers" -}}
{{- if or .namespaceSelector .podSelector }}
- namespaceSelector:
    {{- toYaml (default (dict) .namespaceSelector) | nindent 4 }}
  podSelector:
    {{- toYaml (default (dict) .podSelector) | nindent 4 }}
{{- end }}
{{- range .cidrs }}
- ipBlock:
    cidr: {{ . }}
{{- end }}
{{- end }}

{{/* Egress to cluster DNS and to NATS: what the operator and the workers both need. */}}
{{- define "celeriac.networkPolicy.dnsAndNatsEgress" -}}
{{- $np := .Values.networkPolicy }}
- to:
    {{- include "celeriac.networkPolicy.peers" $np.dns | trim | nindent 4 }}
  ports:
    - protocol: UDP
      port: 53
    - protocol: TCP
      port: 53
- to:
    {{- include "celeriac.networkPolicy.peers" $np.nats | trim | nindent 4 }}
  ports:
    {{- range $np.nats.ports }}
    - protocol: TCP
      port: {{ . }}
    {{- end }}
{{- end }}

{{/* Ingress to the metrics/health port only (named `http` in the operator and worker pods). */}}
{{- define "celeriac.networkPolicy.metricsIngress" -}}
- ports:
    - protocol: TCP
      port: http
  {{- with .Values.networkPolicy.metricsFrom }}
  from:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}

{{/* Namespaces that get a worker NetworkPolicy. */}}
{{- define "celeriac.networkPolicy.workerNamespaces" -}}
{{- if .Values.networkPolicy.workers.namespaces }}
{{- toJson .Values.networkPolicy.workers.namespaces }}
{{- else if eq .Values.rbac.scope "namespace" }}
{{- toJson (list (include "celeriac.watchNamespace" .)) }}
{{- else }}
{{- toJson (list) }}
{{- end }}
{{- end }}

{{/* The dashboard's own labels: the operator's selector must not match its pods. */}}
{{- define "celeriac.dashboard.selectorLabels" -}}
app.kubernetes.io/name: {{ include "celeriac.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: dashboard
{{- end }}

{{- define "celeriac.dashboard.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "celeriac.dashboard.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: celeriac
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* The dashboard's rules on queues: read them, the Secrets they name (by name), write Events. */}}
{{- define "celeriac.dashboard.queueRules" -}}
- apiGroups: [celeriac.dev]
  resources: [taskqueues, workerpools]
  verbs: [get, list, watch]
# A TaskQueue's spec.nats.secretRef, by name only (no list: it cannot enumerate Secrets).
- apiGroups: [""]
  resources: [secrets]
  verbs: [get]
- apiGroups: [""]
  resources: [events]
  verbs: [create]
{{- end }}
