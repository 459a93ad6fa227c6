{{/* Names, labels and the pieces every Deployment shares. */}}

{{- define "joinery.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "joinery.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains (include "joinery.name" .) .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "joinery.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* The services: values key, component name, container port (name and number). */}}
{{- define "joinery.components" -}}
biGateway: { component: bi-gateway, portName: bi-https, port: 7443 }
claims: { component: claims, portName: grpc, port: 7402 }
keys: { component: keys, portName: grpc, port: 7401 }
billing: { component: billing, portName: grpc, port: 7403 }
console: { component: console, portName: http, port: 7080 }
{{- end -}}

{{/* "<fullname>-<component>" of (dict "root" $ "component" "keys"). */}}
{{- define "joinery.componentName" -}}
{{- printf "%s-%s" (include "joinery.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "joinery.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: joinery
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
{{ include "joinery.selectorLabels" . }}
{{- end -}}

{{- define "joinery.selectorLabels" -}}
app.kubernetes.io/name: {{ include "joinery.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "joinery.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "joinery.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The image of (dict "root" $ "svc" .Values.keys). */}}
{{- define "joinery.image" -}}
{{- $registry := .root.Values.image.registry -}}
{{- $tag := .svc.image.tag | default .root.Values.image.tag | default .root.Chart.AppVersion -}}
{{- if $registry -}}
{{- printf "%s/%s:%s" (trimSuffix "/" $registry) .svc.image.repository $tag -}}
{{- else -}}
{{- printf "%s:%s" .svc.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/* The in-cluster gRPC address of a component: "<fullname>-keys:7401". */}}
{{- define "joinery.address" -}}
{{- printf "%s:%v" (include "joinery.componentName" .) .port -}}
{{- end -}}

{{/* JOINERY_REDIS_URL, from the Secret when one is named. */}}
{{- define "joinery.redisEnv" -}}
- name: JOINERY_REDIS_URL
{{- if .Values.redis.existingSecret.name }}
  valueFrom:
    secretKeyRef:
      name: {{ .Values.redis.existingSecret.name }}
      key: {{ .Values.redis.existingSecret.key }}
{{- else }}
  value: {{ required "redis.url or redis.existingSecret.name is required" .Values.redis.url | quote }}
{{- end }}
- name: JOINERY_KAFKA_BROKERS
  value: {{ required "kafka.brokers is required" .Values.kafka.brokers | quote }}
{{- end -}}

{{/* Extra variables of a service (a map), sorted by name. */}}
{{- define "joinery.extraEnv" -}}
{{- range $name, $value := . }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end -}}

{{/* The pod spec fields every Deployment shares, of (dict "root" $ "svc" .Values.x "component" "x"). */}}
{{- define "joinery.podCommon" -}}
serviceAccountName: {{ include "joinery.serviceAccountName" .root }}
automountServiceAccountToken: false
enableServiceLinks: false
terminationGracePeriodSeconds: 30
securityContext:
  {{- toYaml .root.Values.podSecurityContext | nindent 2 }}
{{- with .root.Values.image.pullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .svc.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .svc.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .svc.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- if .root.Values.topologySpread }}
topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: kubernetes.io/hostname
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        {{- include "joinery.selectorLabels" . | nindent 8 }}
{{- end }}
{{- end -}}

{{/* Deployment metadata and the start of its spec, of the same dict. */}}
{{- define "joinery.deploymentHead" -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "joinery.componentName" . }}
  labels:
    {{- include "joinery.labels" . | nindent 4 }}
spec:
  {{- if not .svc.autoscaling.enabled }}
  replicas: {{ .svc.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxUnavailable: 0
      maxSurge: 1
  selector:
    matchLabels:
      {{- include "joinery.selectorLabels" . | nindent 6 }}
{{- end -}}

{{/* Pod template metadata, of the same dict plus "checksum" (a string that changes when mounted config changes). */}}
{{- define "joinery.podMetadata" -}}
metadata:
  labels:
    {{- include "joinery.labels" . | nindent 4 }}
  {{- with .svc.podAnnotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}

{{/* The container fields every service shares, of the same dict. */}}
{{- define "joinery.containerCommon" -}}
image: {{ include "joinery.image" . }}
imagePullPolicy: {{ .root.Values.image.pullPolicy }}
securityContext:
  {{- toYaml .root.Values.containerSecurityContext | nindent 2 }}
resources:
  {{- toYaml .svc.resources | nindent 2 }}
{{- end -}}

{{/* gRPC probes on the standard health service (grpc.health.v1.Health/Check) of a port. */}}
{{- define "joinery.grpcProbes" -}}
startupProbe:
  grpc:
    port: {{ . }}
  periodSeconds: 2
  failureThreshold: 60
readinessProbe:
  grpc:
    port: {{ . }}
  periodSeconds: 5
  timeoutSeconds: 2
  failureThreshold: 2
livenessProbe:
  grpc:
    port: {{ . }}
  periodSeconds: 10
  timeoutSeconds: 3
  failureThreshold: 3
{{- end -}}

{{/* The volumes every service mounts: a writable data directory and /tmp (the root filesystem is read-only). */}}
{{- define "joinery.baseVolumes" -}}
- name: data
  emptyDir: {}
- name: tmp
  emptyDir: {}
{{- end -}}

{{- define "joinery.baseMounts" -}}
- name: data
  mountPath: /var/lib/joinery/data
- name: tmp
  mountPath: /tmp
{{- end -}}

{{/*
An init container that copies key files from a Secret volume into a memory-backed emptyDir with mode 0600 owned by
the service's user: the services refuse key files readable by group or others, which Secret volumes with an fsGroup
are. Of (dict "root" $ "svc" .Values.x "component" "x" "files" (list (dict "volume" "v" "key" "k" "file" "f"))).
*/}}
{{- define "joinery.keyFilesInit" -}}
- name: key-files
  {{- include "joinery.containerCommon" . | nindent 2 }}
  command:
    - sh
    - -c
    - |
      set -e
      {{- range .files }}
      install -m 0600 /var/run/joinery/secrets/{{ .volume }}/{{ .key }} /var/run/joinery/keys/{{ .file }}
      {{- end }}
  volumeMounts:
    - name: key-files
      mountPath: /var/run/joinery/keys
    {{- range .files }}
    - name: {{ .volume }}
      mountPath: /var/run/joinery/secrets/{{ .volume }}
      readOnly: true
    {{- end }}
{{- end -}}
