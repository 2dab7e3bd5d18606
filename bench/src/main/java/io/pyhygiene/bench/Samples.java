package io.pyhygiene.bench;

import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Realistic Deployments for the benchmarks (the same shapes as examples/). */
final class Samples {

  private Samples() {}

  static final String BAD =
      """
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: billing-web, namespace: shop, labels: {app: billing-web}}
      spec:
        replicas: 3
        template:
          metadata: {labels: {app: billing-web}}
          spec:
            containers:
              - name: web
                image: registry.acme.internal:5000/billing-web:latest
                command: ["sh", "-c", "python manage.py migrate && gunicorn billing.wsgi -w 8 --bind 0.0.0.0:8000"]
                ports: [{containerPort: 8000}]
                env:
                  - {name: DJANGO_SETTINGS_MODULE, value: billing.settings}
                  - {name: DJANGO_DEBUG, value: "True"}
                  - {name: DB_PASSWORD, value: "example-not-a-real-password"}
                lifecycle: {preStop: {exec: {command: ["sleep", "10"]}}}
      """;

  static final String GOOD =
      """
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: orders-api, namespace: shop, labels: {app: orders-api, pyhygiene.io/runtime: python}}
      spec:
        replicas: 2
        template:
          metadata: {labels: {app: orders-api}}
          spec:
            terminationGracePeriodSeconds: 40
            securityContext: {runAsNonRoot: true, runAsUser: 10001, seccompProfile: {type: RuntimeDefault}}
            containers:
              - name: api
                image: ghcr.io/acme/orders-api:2.3.1
                command: ["sh", "-c", "cd /app && exec uvicorn orders.main:app --host 0.0.0.0 --port 8000 --workers 2 --timeout-graceful-shutdown 25"]
                ports: [{containerPort: 8000}]
                env: [{name: PYTHONUNBUFFERED, value: "1"}]
                resources: {requests: {memory: 384Mi}, limits: {memory: 512Mi}}
                readinessProbe: {httpGet: {path: /healthz, port: 8000}}
                lifecycle: {preStop: {sleep: {seconds: 5}}}
                securityContext:
                  allowPrivilegeEscalation: false
                  readOnlyRootFilesystem: true
                  capabilities: {drop: ["ALL"]}
      """;

  static Deployment parse(String yaml) {
    try {
      return new YAMLMapper().readValue(yaml, Deployment.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
