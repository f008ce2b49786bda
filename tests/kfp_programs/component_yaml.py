"""A component written as text (load_component_from_text), used twice with different
arguments, the second run after the first; another loaded with load_component(text=...).

Checks: components loaded from YAML text; outputs by value; constants as arguments.
"""

from kfp import dsl
from kfp.components import load_component, load_component_from_text

SHOW = load_component(
    text="""
name: Show
inputs:
- {name: text, type: String}
implementation:
  container:
    image: alpine:3.20
    command: [echo, {inputValue: text}]
"""
)

REPEAT = load_component_from_text(
    """
name: Repeat
inputs:
- {name: text, type: String}
- {name: times, type: Integer, default: '2'}
outputs:
- {name: result, type: String}
implementation:
  container:
    image: python:3.11
    command:
    - python3
    - -c
    - |
      import os, sys
      os.makedirs(os.path.dirname(sys.argv[3]), exist_ok=True)
      open(sys.argv[3], "w").write(sys.argv[1] * int(sys.argv[2]))
    - {inputValue: text}
    - {inputValue: times}
    - {outputPath: result}
"""
)


@dsl.pipeline(name="component-yaml", description="Repeat twice.")
def component_yaml(word: str = "ab"):
    first = REPEAT(text=word)
    second = REPEAT(text=first.outputs["result"], times=3)
    SHOW(second.outputs["result"])
