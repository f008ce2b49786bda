"""Python-function components shared by the migration pipelines, written the KFP v1 way."""

from typing import NamedTuple

from kfp.components import InputPath, OutputPath, create_component_from_func


def flip_coin(seed: int = 0) -> str:
    """Flip a coin."""
    import random

    random.seed(seed)
    return random.choice(["heads", "tails"])


def random_number(low: int, high: int) -> int:
    """Pick a number between low and high."""
    import random

    return random.randint(low, high)


def train(
    data_path: InputPath("CSV"), model_path: OutputPath("Model"), epochs: int = 3
) -> NamedTuple("TrainOutputs", [("accuracy", float), ("steps", int)]):
    """Train a model on a CSV file."""
    with open(data_path) as stream:
        rows = stream.read().splitlines()
    with open(model_path, "w") as stream:
        stream.write(f"model of {len(rows)} rows")
    return (0.9, epochs * len(rows))


def make_data(rows: int = 10) -> str:
    """Make CSV text."""
    return "\n".join(f"{i},{i * i}" for i in range(rows))


def write_csv(text: str, data_path: OutputPath("CSV")):
    """Write text to a CSV file."""
    with open(data_path, "w") as stream:
        stream.write(text)


def echo(message: str):
    """Print a message."""
    print(message)


flip_coin_op = create_component_from_func(flip_coin, base_image="python:3.11")
random_number_op = create_component_from_func(random_number, base_image="python:3.11")
train_op = create_component_from_func(train, base_image="python:3.11")
make_data_op = create_component_from_func(make_data, base_image="python:3.11")
write_csv_op = create_component_from_func(write_csv, base_image="python:3.11")
echo_op = create_component_from_func(echo, base_image="python:3.11")
