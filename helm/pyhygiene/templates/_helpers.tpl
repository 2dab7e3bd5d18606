{{/* Chart name, truncated to a DNS label. */}}
{{- define "pyhygiene.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Resource-name prefix: <release>-pyhygiene, or the release name when it contains the chart name. */}}
{{- define "pyhygiene.fullname" -}}
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

{{- define "pyhygiene.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "pyhygiene.selectorLabels" -}}
app.kubernetes.io/name: {{ include "pyhygiene.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "pyhygiene.labels" -}}
helm.sh/chart: {{ include "pyhygiene.chart" . }}
{{ include "pyhygiene.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: pyhygiene
{{- end }}

{{- define "pyhygiene.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "pyhygiene.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The image reference: repository:tag (appVersion by default), or repository@digest. */}}
{{- define "pyhygiene.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- if eq $tag "latest" }}
{{- fail "image.tag must not be latest: pin a version (pyhygiene's image-tag-mutable rule)" }}
{{- end }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{/* "true" when the in-cluster replicas serve the admission webhook (not with webhook.url). */}}
{{- define "pyhygiene.webhookServed" -}}
{{- if and .Values.webhook.enabled (not .Values.webhook.url) }}true{{ end }}
{{- end }}

{{- define "pyhygiene.webhookSecretName" -}}
{{- printf "%s-webhook-tls" (include "pyhygiene.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "pyhygiene.webhookCertName" -}}
{{- printf "%s-webhook" (include "pyhygiene.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The job label of the operator's scrape targets (PyhygieneOperatorDown). */}}
{{- define "pyhygiene.metricsJob" -}}
{{- default (include "pyhygiene.fullname" .) .Values.prometheusRule.job }}
{{- end }}

{{/*
  "true" when the PrometheusRule is rendered: enabled, and the cluster serves
  monitoring.coreos.com/v1 PrometheusRule (or prometheusRule.requireCRD forces it), so a
  default install works on clusters without the Prometheus operator. `helm template` knows
  the cluster's APIs only from --api-versions monitoring.coreos.com/v1/PrometheusRule.
*/}}
{{- define "pyhygiene.prometheusRuleRendered" -}}
{{- if and .Values.prometheusRule.enabled (or .Values.prometheusRule.requireCRD (.Capabilities.APIVersions.Has "monitoring.coreos.com/v1/PrometheusRule")) }}true{{ end }}
{{- end }}
