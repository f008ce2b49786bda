"""The validate and schema commands as users run them: exit codes, formats, folders."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer

from yamlpipe import cli
from yamlpipe.cli import common

from helpers import ROOT, run_cli

GOOD_COMPONENT = """\
name: Echo
inputs:
- {name: text, type: String}
implementation:
  container:
    image: alpine:3.20
    command: [echo, {inputValue: text}]
"""
BAD_COMPONENT = GOOD_COMPONENT.replace("{inputValue: text}", "{inputValue: txt}")
WARN_COMPONENT = GOOD_COMPONENT.replace("name: Echo", "name: Echo\ndescription: on")


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_valid_file_exits_0(tmp_path: Path) -> None:
    path = write(tmp_path, "c.yaml", GOOD_COMPONENT)
    result = run_cli("validate", str(path))
    assert result.returncode == 0, result.stdout
    assert "1 file valid" in result.stdout


def test_invalid_file_exits_1_with_location_caret_and_hint(tmp_path: Path) -> None:
    write(tmp_path, "c.yaml", BAD_COMPONENT)
    result = run_cli("validate", "c.yaml", cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("c.yaml:7:34: error: {inputValue: txt} names an undeclared input")
    assert "(did you mean 'text'?)" in lines[0]
    assert lines[1] == "    7 |     command: [echo, {inputValue: txt}]"
    assert lines[2].index("^~~") == lines[1].index("txt")
    assert "hint: declared inputs: text" in lines[3]
    assert "Traceback" not in result.stdout + result.stderr


def test_every_problem_of_every_file_in_one_run(tmp_path: Path) -> None:
    write(tmp_path, "a/one.yaml", BAD_COMPONENT)
    write(tmp_path, "a/b/two.yaml", BAD_COMPONENT.replace("image: alpine:3.20", "image: 3"))
    write(tmp_path, "a/ok.yml", GOOD_COMPONENT)
    write(tmp_path, "a/.hidden/skip.yaml", "not: [valid")
    result = run_cli("validate", "--format", "json", "a", cwd=tmp_path)
    assert result.returncode == 1
    records = json.loads(result.stdout)
    files = sorted({r["file"] for r in records})
    assert files == ["a/b/two.yaml", "a/one.yaml"]
    assert len([r for r in records if r["file"] == "a/b/two.yaml"]) == 2


def test_json_record_shape(tmp_path: Path) -> None:
    write(tmp_path, "c.yaml", BAD_COMPONENT)
    records = json.loads(run_cli("validate", "-f", "json", "c.yaml", cwd=tmp_path).stdout)
    assert records == [
        {
            "file": "c.yaml",
            "line": 7,
            "column": 34,
            "severity": "error",
            "message": "{inputValue: txt} names an undeclared input (did you mean 'text'?)",
            "hint": "declared inputs: text",
            "path": "implementation/container/command/1/inputValue",
        }
    ]


def test_github_annotations(tmp_path: Path) -> None:
    write(tmp_path, "c.yaml", BAD_COMPONENT)
    result = run_cli("validate", "--format", "github", "c.yaml", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith("::error file=c.yaml,line=7,col=34,title=yamlpipe::{inputValue")


def test_warnings_pass_unless_strict(tmp_path: Path) -> None:
    write(tmp_path, "c.yaml", WARN_COMPONENT)
    relaxed = run_cli("validate", "c.yaml", cwd=tmp_path)
    assert relaxed.returncode == 0
    assert "c.yaml:2:14: warning: unquoted 'on'" in relaxed.stdout
    assert run_cli("validate", "--strict", "c.yaml", cwd=tmp_path).returncode == 1


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run_cli("validate", str(tmp_path / "missing.yaml")).returncode == 2
    assert run_cli("validate", "--format", "xml", str(tmp_path)).returncode == 2
    assert run_cli("validate").returncode == 2
    assert run_cli("no-such-command").returncode == 2


def test_unreadable_and_binary_files_are_located_errors(tmp_path: Path) -> None:
    (tmp_path / "bin.yaml").write_bytes(b"\xff\xfe\x00garbage")
    result = run_cli("validate", "bin.yaml", cwd=tmp_path)
    assert result.returncode == 1
    assert "bin.yaml:1:1: error: the file is not UTF-8 text" in result.stdout


@pytest.mark.parametrize("resolve", [[], ["--no-resolve"]], ids=["linked", "alone"])
def test_special_files_are_refused_not_read(tmp_path: Path, resolve: list[str]) -> None:
    """A FIFO blocked validate forever and /dev/zero filled memory: only regular files are
    read, and only up to the size cap that fetches have too."""
    write(tmp_path, "ok.yaml", GOOD_COMPONENT)
    os.mkfifo(tmp_path / "fifo.yaml")
    (tmp_path / "big.yaml").write_bytes(b"# " + b"x" * 5_000_000 + b"\n")
    result = run_cli("validate", *resolve, ".", "/dev/zero", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines()[:3] == [
        "big.yaml: error: cannot read the file: it is over the 5,000,000-byte limit",
        "fifo.yaml: error: cannot read the file: it is a FIFO (named pipe), not a regular file",
        "/dev/zero: error: cannot read the file: it is a character device, not a regular file",
    ]
    assert "4 files checked: 3 errors" in result.stdout


def test_schema_command_prints_the_shipped_schemas() -> None:
    for kind in ("component", "pipeline", "catalog", "config", "lock"):
        result = run_cli("schema", kind)
        assert result.returncode == 0
        assert json.loads(result.stdout) == json.loads(
            (ROOT / "schemas" / f"{kind}.schema.json").read_text()
        )


def test_help_lists_commands() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    assert "validate" in result.stdout and "schema" in result.stdout


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every command and group below the application, with its words (`catalog build`)."""
    for name, sub in getattr(command, "commands", {}).items():
        yield (*path, name), sub
        yield from _commands(sub, (*path, name))


COMMANDS = list(_commands(typer.main.get_command(cli.app)))


@pytest.mark.parametrize("words", [w for w, _ in COMMANDS], ids=" ".join)
def test_every_command_takes_h_for_help(words: tuple[str, ...]) -> None:
    """`-h` was rejected ("No such option: -h")."""
    short, long = run_cli(*words, "-h"), run_cli(*words, "--help")
    assert short.returncode == 0, short.stderr
    assert short.stdout == long.stdout and short.stdout.startswith("Usage: yamlpipe ")


def test_the_command_list_is_not_cut_off() -> None:
    """Top-level summaries ended in "..." where the first sentence was too long for a line."""
    listed = run_cli("-h", env={"COLUMNS": "80"}).stdout.split("Commands:")[1]
    assert "..." not in listed
    for words, command in COMMANDS:
        assert command.short_help, f"`{' '.join(words)}` has no one-line summary"
        assert len(command.short_help) <= 60, f"`{' '.join(words)}`: summary too long for 80"
    for name, command in typer.main.get_command(cli.app).commands.items():
        assert f"  {name} " in listed and command.short_help in listed


def test_metavariables_are_written_out_and_agree() -> None:
    """`-o` showed as <str>, <path> or <file> depending on the command; every value now has
    a written-out name, the same for the same option everywhere."""
    seen: dict[str, tuple[str, str]] = {}
    for words, command in COMMANDS:
        for param in getattr(command, "params", []):
            if getattr(param, "is_flag", False) or getattr(param, "count", False):
                continue
            where = " ".join(words)
            assert param.metavar, f"`{where}` {param.opts}: no metavar"
            assert param.metavar.replace("py", "PY") == param.metavar.upper(), param.metavar
            name = max(param.opts, key=len)
            if name.startswith("--"):
                first = seen.setdefault(name, (param.metavar, where))
                assert first[0] == param.metavar, f"{name}: {first} but {param.metavar} in {where}"


def test_dsl_compile_script_takes_h() -> None:
    script = Path(sys.executable).parent / "dsl-compile"
    if not script.exists():
        pytest.skip("the dsl-compile script is not installed in this environment")
    result = subprocess.run([str(script), "-h"], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "--function NAME" in result.stdout


@pytest.mark.parametrize("where", ["cache", "temp"])
def test_the_bug_log_never_follows_a_planted_link(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """The log was written through whatever link sat at its path (in a shared /tmp, anyone's)."""
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    cache, temp = tmp_path / "cache", tmp_path / "tmp"
    temp.mkdir()
    if where == "cache":
        (cache / "yamlpipe").mkdir(parents=True)
        (cache / "yamlpipe" / "yamlpipe.log").symlink_to(victim)
    else:
        cache.write_text("a file, so the cache folder cannot be made\n")
        (temp / "yamlpipe.log").symlink_to(victim)
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    log = Path(common._log_bug(RuntimeError("boom")))
    assert victim.read_text() == "keep me\n"
    assert not log.is_symlink() and "RuntimeError: boom" in log.read_text()
    assert log.stat().st_mode & 0o777 == 0o600


def test_control_characters_from_files_are_shown_escaped(tmp_path: Path) -> None:
    """ESC and BEL in a file's lines reached the terminal (which acts on them), and a newline
    in a file name split its message in two."""
    (tmp_path / "evil\nname.yaml").write_text(
        "name: x\nimplementation:\n  container:\n    image: \x1b[31mred\x07\n"
    )
    for fmt in ("text", "github"):
        result = run_cli("validate", "--format", fmt, ".", cwd=tmp_path)
        assert result.returncode == 1, result.stdout + result.stderr
        assert not {"\x1b", "\x07"} & set(result.stdout), result.stdout
    assert run_cli("validate", ".", cwd=tmp_path).stdout.splitlines()[:3] == [
        "evil\\nname.yaml:4:12: error: the character U+001B is not allowed in YAML",
        "    4 |     image: \\x1b[31mred\\x07",
        "      |            ^~~~",
    ]


def test_catalog_text_from_an_index_is_shown_escaped(tmp_path: Path) -> None:
    (tmp_path / "catalog.yaml").write_text(
        "components:\n- name: echo\n  version: 1.0.0\n  url: c.yaml\n"
        f"  sha256: '{'0' * 64}'\n  description: \"Clears \\e[2J the screen\\a\"\n"
    )
    for command in ("list", "show"):
        args = ["catalog", command, "catalog.yaml", *(["echo"] if command == "show" else [])]
        result = run_cli(*args, cwd=tmp_path)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Clears \\x1b[2J the screen\\x07" in result.stdout
