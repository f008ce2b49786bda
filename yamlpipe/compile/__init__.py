"""Linked graph -> Argo Workflow (KFP v1-compatible) -> package file. Pure and deterministic."""

from __future__ import annotations
