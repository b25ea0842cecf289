"""`make deploy-parameters` / `make deploy-tags`: parameters.json as Key=Value words that survive the
unquoted `$(make -s ...)` of the deploy commands, or a clear refusal."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import package  # noqa: E402


def _as_the_cli_reads_them(argv: list[str]) -> dict[str, str]:
    """What `aws cloudformation deploy` makes of Key=Value words (v1 and v2 split at the first '=')."""
    pairs = [word.split("=", 1) for word in argv]
    assert all(len(pair) == 2 for pair in pairs), argv
    return dict(pairs)


def _shell_argv(text: str, cwd: Path) -> list[str]:
    """The argv bash builds from an unquoted expansion of `text` (word splitting and globbing)."""
    result = subprocess.run(
        ["bash", "-c", 'printf "%s\\0" $WORDS'],
        cwd=cwd,
        env={"WORDS": text, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        check=True,
    )
    return [word.decode() for word in result.stdout.split(b"\0")[:-1]]


def _make(target: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", f'printf "%s\\0" $(make -s --no-print-directory {target})'],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("target", "section"), [("deploy-parameters", "Parameters"), ("deploy-tags", "Tags")]
)
def test_every_entry_of_parameters_json_reaches_the_cli_unchanged(target, section):
    configured = json.loads((ROOT / "parameters.json").read_text())[section]
    result = _make(target)
    assert result.returncode == 0, result.stderr
    argv = result.stdout.split("\0")[:-1]
    assert len(argv) == len(configured)
    assert _as_the_cli_reads_them(argv) == configured


def test_empty_values_stay_words_of_their_own(tmp_path):
    configuration = tmp_path / "parameters.json"
    parameters = {"A": "", "B": "x=y", "C": "arn:aws:iam::1:role/a,b"}
    configuration.write_text(json.dumps({"Parameters": parameters}))
    words = package.parameter_words(configuration)
    assert words == ["A=", "B=x=y", "C=arn:aws:iam::1:role/a,b"]
    assert _as_the_cli_reads_them(_shell_argv(" ".join(words), tmp_path)) == {
        "A": "",
        "B": "x=y",
        "C": "arn:aws:iam::1:role/a,b",
    }


# Anything but whitespace, glob characters and backslash passes through bash untouched.
_SAFE_TEXT = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp"),
        blacklist_characters="*?[\\\x00",
    ),
    max_size=20,
)


@settings(max_examples=60, deadline=None)
@given(
    parameters=st.dictionaries(
        _SAFE_TEXT.filter(lambda key: key and "=" not in key), _SAFE_TEXT, min_size=1, max_size=5
    )
)
def test_words_round_trip_through_the_shell(tmp_path_factory, parameters):
    folder = tmp_path_factory.mktemp("words")
    # Files a glob in a value could match, if a value were expanded.
    for name in ("A=1", "B=x", "parameters.json"):
        (folder / name).write_text("")
    configuration = folder / "parameters.json"
    configuration.write_text(json.dumps({"Parameters": parameters}))
    words = package.parameter_words(configuration)
    assert _as_the_cli_reads_them(_shell_argv(" ".join(words), folder)) == parameters


@pytest.mark.parametrize(
    ("value", "named"),
    [
        ("two words", "' '"),
        ("tab\there", "'\\t'"),
        ("line\nbreak", "'\\n'"),
        ("*", "'*'"),
        ("a?", "'?'"),
        ("[ab]", "'['"),
        ("back\\slash", "'\\\\'"),
        ("no-break\u00a0space", "'\\xa0'"),
    ],
)
def test_values_the_shell_would_change_are_refused_by_name(tmp_path, value, named):
    configuration = tmp_path / "parameters.json"
    configuration.write_text(json.dumps({"Parameters": {"Fine": "x", "RemediationApprovers": value}}))
    with pytest.raises(package.PackagingError) as raised:
        package.parameter_words(configuration)
    message = str(raised.value)
    assert "'RemediationApprovers'" in message and named in message and "one shell word" in message


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        json.dumps([]),
        json.dumps({}),
        json.dumps({"Parameters": {}}),
        json.dumps({"Parameters": ["A=1"]}),
        json.dumps({"Parameters": {"A": 1}}),
        json.dumps({"Parameters": {"": "x"}}),
        json.dumps({"Parameters": {"A=B": "x"}}),
    ],
)
def test_malformed_configurations_are_refused(tmp_path, content):
    configuration = tmp_path / "parameters.json"
    configuration.write_text(content)
    with pytest.raises(package.PackagingError, match=r"parameters\.json"):
        package.parameter_words(configuration)


def test_the_make_target_fails_and_prints_nothing_for_stdout_on_a_bad_value(tmp_path):
    configuration = tmp_path / "parameters.json"
    configuration.write_text(json.dumps({"Parameters": {"RemediationApprovers": "a b"}}))
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "package.py"), "parameters", str(configuration)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert "RemediationApprovers" in result.stderr and "one shell word" in result.stderr
