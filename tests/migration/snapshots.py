"""Snapshots: write a volume, snapshot it, restore the snapshot into a new volume, check it."""

from kfp import dsl


@dsl.pipeline(name="snapshots", description="Snapshot a volume and restore it.")
def snapshots_pipeline(url: str = "https://example.com/data.csv"):
    vop = dsl.VolumeOp(name="data-volume", resource_name="data", size="2Gi")
    fetch = dsl.ContainerOp(
        name="fetch",
        image="curlimages/curl:8.10.1",
        command=["sh", "-c", f"curl -sfo /data/file.csv {url}"],
        pvolumes={"/data": vop.volume},
    )
    snap = dsl.VolumeSnapshotOp(name="snapshot", resource_name="data-snap", volume=fetch.pvolume)
    restored = dsl.VolumeOp(
        name="restored-volume",
        resource_name="restored",
        size="2Gi",
        data_source=snap.snapshot,
    )
    dsl.ContainerOp(
        name="check",
        image="alpine:3.20",
        command=["sh", "-c", "test -s /restored/file.csv"],
        pvolumes={"/restored": restored.volume},
    )
