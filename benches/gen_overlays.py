#!/usr/bin/env python3
"""Deterministic tree of Kustomize projects for benchmarking the project stage.

    benches/gen_overlays.py OUT [-n APPS]

Each app has a base (Deployment, Service, ConfigMap) and three overlays (dev, staging, prod)
using images, patches (strategic merge and JSON 6902, file and inline), replicas, namePrefix,
namespace and labels. Prints the number of files written.
"""
import argparse
import os

BASE_DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: app{i}
spec:
  replicas: 2
  selector:
    matchLabels: {{app: app{i}}}
  template:
    metadata:
      labels: {{app: app{i}}}
    spec:
      containers:
        - name: app
          image: registry.example.com/app{i}:1.{i}.0
          ports: [{{containerPort: 8080}}]
          securityContext:
            privileged: {priv}
          resources:
            requests: {{cpu: 100m, memory: 128Mi}}
            limits: {{memory: 128Mi}}
"""
BASE_SVC = """apiVersion: v1
kind: Service
metadata:
  name: app{i}
spec:
  selector: {{app: app{i}}}
  ports: [{{port: 80, targetPort: 8080}}]
"""
BASE_CM = """apiVersion: v1
kind: ConfigMap
metadata:
  name: app{i}-config
data:
  LOG_LEVEL: info
"""
BASE_K = """apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - deployment.yaml
  - service.yaml
  - configmap.yaml
"""
OVERLAY_K = """resources:
  - ../../base
namespace: {env}
namePrefix: {env}-
labels:
  - pairs: {{env: {env}}}
    includeTemplates: true
images:
  - name: registry.example.com/app{i}
    newTag: "{tag}"
replicas:
  - name: app{i}
    count: {replicas}
patches:
  - path: harden.yaml
  - target:
      kind: Deployment
    patch: |-
      - op: add
        path: /spec/template/spec/automountServiceAccountToken
        value: false
"""
HARDEN = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: app{i}
spec:
  template:
    spec:
      containers:
        - name: app
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
"""


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("-n", type=int, default=200, help="number of apps (default 200)")
    a = ap.parse_args()
    files = 0
    for i in range(a.n):
        root = os.path.join(a.out, f"app{i}")
        base = os.path.join(root, "base")
        write(os.path.join(base, "deployment.yaml"), BASE_DEPLOY.format(i=i, priv="true" if i % 10 == 0 else "false"))
        write(os.path.join(base, "service.yaml"), BASE_SVC.format(i=i))
        write(os.path.join(base, "configmap.yaml"), BASE_CM.format(i=i))
        write(os.path.join(base, "kustomization.yaml"), BASE_K)
        files += 4
        for env, replicas in (("dev", 1), ("staging", 2), ("prod", 3)):
            tag = "latest" if env == "dev" and i % 7 == 0 else f"1.{i}.{replicas}"
            o = os.path.join(root, "overlays", env)
            write(os.path.join(o, "kustomization.yaml"), OVERLAY_K.format(env=env, i=i, tag=tag, replicas=replicas))
            write(os.path.join(o, "harden.yaml"), HARDEN.format(i=i))
            files += 2
    print(files)


if __name__ == "__main__":
    main()
