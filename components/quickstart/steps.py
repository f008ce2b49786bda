"""The quickstart example's steps: plain Python functions (standard library only), turned
into the component files beside them with `yamlpipe generate component`."""

from typing import NamedTuple

from yamlpipe.components import InputPath, OutputPath


def make_dataset(rows: int, seed: int, data_path: OutputPath("CSV")) -> int:
    """Write a synthetic, seeded two-feature classification data set as CSV.

    The label is 1 when x1 + 2*x2 plus a little noise is positive. Returns the row count.
    """
    import csv
    import random

    rng = random.Random(seed)
    with open(data_path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["x1", "x2", "label"])
        for _ in range(rows):
            x1, x2 = rng.uniform(-1, 1), rng.uniform(-1, 1)
            label = int(x1 + 2 * x2 + rng.gauss(0, 0.3) > 0)
            writer.writerow([f"{x1:.4f}", f"{x2:.4f}", label])
    return rows


def train_logistic(
    data_path: InputPath("CSV"),
    learning_rate: float,
    epochs: int,
    model_path: OutputPath("JsonObject"),
) -> NamedTuple("Outputs", [("accuracy", float)]):
    """Fit a logistic regression by gradient descent; write the weights, return the accuracy."""
    import csv
    import json
    import math

    with open(data_path, newline="") as f:
        rows = [(float(r["x1"]), float(r["x2"]), int(r["label"])) for r in csv.DictReader(f)]
    w1 = w2 = b = 0.0
    for _ in range(epochs):
        g1 = g2 = gb = 0.0
        for x1, x2, y in rows:
            p = 1 / (1 + math.exp(-(w1 * x1 + w2 * x2 + b)))
            g1, g2, gb = g1 + (p - y) * x1, g2 + (p - y) * x2, gb + (p - y)
        n = len(rows)
        w1, w2, b = (
            w1 - learning_rate * g1 / n,
            w2 - learning_rate * g2 / n,
            b - learning_rate * gb / n,
        )
    correct = sum((w1 * x1 + w2 * x2 + b > 0) == bool(y) for x1, x2, y in rows)
    with open(model_path, "w") as f:
        json.dump({"w1": round(w1, 6), "w2": round(w2, 6), "b": round(b, 6)}, f)
    accuracy = round(correct / len(rows), 4)
    print(f"learning_rate={learning_rate} epochs={epochs}: accuracy {accuracy}")
    return (accuracy,)


def pick_best(accuracies) -> NamedTuple("Outputs", [("best", int), ("accuracy", float)]):
    """The index and value of the highest accuracy in a JSON list (a loop's fan-in)."""
    import json

    values = [float(a) for a in json.loads(accuracies)]
    best = max(range(len(values)), key=values.__getitem__)
    print(f"accuracies {values}: best is #{best}")
    return (best, values[best])
