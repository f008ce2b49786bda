"""yamlpipe: YAML-first pipelines for Kubeflow Pipelines and Argo Workflows."""

from __future__ import annotations

__version__ = "0.1.0"
