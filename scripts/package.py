"""Build the deployable artifacts under build/.

  python scripts/package.py            build everything and print the zip sizes
  python scripts/package.py tags FILE  print FILE's "Tags" as Key=Value words for `--tags`
  python scripts/package.py parameters FILE  the same for "Parameters" (`--parameter-overrides`)

What it builds:
- build/IAM_ROOT_NO_ACCESS_KEYS.zip: the rule folder (tests, caches and the policy.yaml source
  left out) plus rdklib, installed for the Lambda platform (arm64, CPython 3.12), pure Python.
  The rule reads policy.json (generated from policy.yaml by `make policy-metadata`, which
  `make package` runs first), so PyYAML is not needed at run time and not bundled. boto3 and
  botocore are not bundled: the python3.12 runtime provides them.
- build/ROOT_KEY_EVENTS.zip: the small near-real-time trigger function (boto3 only).
- build/<template>.yaml for every templates/*.yaml: the same template with each
  `Fn::Transform: AWS::Include` of a local file replaced by that file's content, so the
  deployable template is self-contained and cfn-lint can check the embedded runbook.

Zips are reproducible (sorted entries, fixed timestamps), so `aws cloudformation package`
uploads a new object only when the content changed.
"""

import argparse
import importlib.metadata
import json
import py_compile
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
RULE_NAME = "IAM_ROOT_NO_ACCESS_KEYS"
RULE_DIR = ROOT / "rules" / RULE_NAME
TRIGGER_DIR = ROOT / "functions" / "root_key_events"
TEMPLATES_DIR = ROOT / "templates"
BUILD_DIR = ROOT / "build"
RULE_ZIP = BUILD_DIR / f"{RULE_NAME}.zip"
TRIGGER_ZIP = BUILD_DIR / "ROOT_KEY_EVENTS.zip"

# Bundled at the versions installed in the build venv, i.e. the versions the tests ran with.
BUNDLED_DISTRIBUTIONS = ("rdklib",)
# Lambda's python3.12 runtime on arm64 (Amazon Linux 2023, glibc 2.34).
PIP_PLATFORM_ARGS = (
    "--platform",
    "manylinux2014_aarch64",
    "--only-binary=:all:",
    "--implementation",
    "cp",
    "--python-version",
    "3.12",
)
# Installed alongside the bundled packages but never imported at run time.
EXCLUDED_TOP_LEVEL = frozenset({"rdklibtest", "bin"})
EXCLUDED_DIR_NAMES = frozenset({"__pycache__", ".pytest_cache", ".hypothesis"})
EXCLUDED_SUFFIXES = (".pyc", ".pyo")
# RDK metadata, unit tests and the YAML source of policy.json stay out of the function code.
RULE_EXCLUDED_FILES = frozenset({"parameters.json", "root_access_keys/policy.yaml"})
ZIP_TIMESTAMP = (2020, 1, 1, 0, 0, 0)
INCLUDE_TRANSFORM = "AWS::Include"


class PackagingError(Exception):
    """The artifacts could not be built; the message says why."""


def _wanted(relative: Path) -> bool:
    if any(part in EXCLUDED_DIR_NAMES for part in relative.parts):
        return False
    return not relative.name.endswith(EXCLUDED_SUFFIXES)


def _rule_files() -> Iterator[tuple[Path, str]]:
    for path in sorted(RULE_DIR.rglob("*")):
        relative = path.relative_to(RULE_DIR)
        if not path.is_file() or not _wanted(relative):
            continue
        if relative.name.endswith("_test.py") or str(relative) in RULE_EXCLUDED_FILES:
            continue
        yield path, relative.as_posix()


def _tree_files(base: Path) -> Iterator[tuple[Path, str]]:
    for path in sorted(base.rglob("*")):
        relative = path.relative_to(base)
        name = relative.as_posix()
        if not path.is_file() or not _wanted(relative) or relative.parts[0] in EXCLUDED_TOP_LEVEL:
            continue
        yield path, name


def _install_dependencies(target: Path) -> None:
    pins = [f"{name}=={importlib.metadata.version(name)}" for name in BUNDLED_DISTRIBUTIONS]
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-deps",
        "--no-compile",
        "--target",
        str(target),
        *PIP_PLATFORM_ARGS,
        *pins,
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise PackagingError(f"pip could not fetch {', '.join(pins)} for arm64:\n{result.stderr.strip()}")


def _compiled(entries: list[tuple[Path, str]], scratch: Path) -> list[tuple[Path, str]]:
    """Bytecode for every module, where Python 3.12 looks for it.

    Lambda's /var/task is read-only, so without shipped .pyc files every cold start compiles
    every module again (make bench measures the difference). Unchecked-hash .pyc files do not
    depend on file times, which keeps the zip reproducible.
    """
    if sys.version_info[:2] != (3, 12):
        raise PackagingError(
            f"bytecode must be compiled by Python 3.12 (the Lambda runtime), not {sys.version}"
        )
    compiled = []
    for source, name in entries:
        if not name.endswith(".py"):
            continue
        folder, _, filename = name.rpartition("/")
        target = f"{folder}/__pycache__/" if folder else "__pycache__/"
        target += f"{filename[:-3]}.{sys.implementation.cache_tag}.pyc"
        output = scratch / target
        py_compile.compile(
            str(source),
            cfile=str(output),
            dfile=name,
            doraise=True,
            invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
        )
        compiled.append((output, target))
    return compiled


def _write_zip(destination: Path, entries: list[tuple[Path, str]]) -> None:
    names = [name for _, name in entries]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise PackagingError(f"{destination.name}: more than one file for {', '.join(duplicates)}")
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_suffix(".zip.partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for source, name in sorted(entries, key=lambda entry: entry[1]):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIMESTAMP)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, source.read_bytes(), compresslevel=9)
    partial.replace(destination)


def build_rule_zip(destination: Path = RULE_ZIP) -> Path:
    if not (RULE_DIR / f"{RULE_NAME}.py").is_file():
        raise PackagingError(f"{RULE_DIR / (RULE_NAME + '.py')} is missing")
    with tempfile.TemporaryDirectory(prefix="rootkeys-deps-") as scratch:
        dependencies = Path(scratch)
        _install_dependencies(dependencies)
        entries = [*_rule_files(), *_tree_files(dependencies)]
        bytecode = Path(scratch) / "bytecode"
        _write_zip(destination, [*entries, *_compiled(entries, bytecode)])
    return destination


def build_trigger_zip(destination: Path = TRIGGER_ZIP) -> Path:
    entries = [(path, name) for path, name in _tree_files(TRIGGER_DIR) if not name.startswith("test")]
    if not entries:
        raise PackagingError(f"{TRIGGER_DIR} holds no source files")
    _write_zip(destination, entries)
    return destination


class _TemplateLoader(yaml.SafeLoader):
    """Reads CloudFormation YAML: short-form tags (!Ref, !Sub, ...) become their long form."""


def _construct_intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_TemplateLoader.add_multi_constructor("!", _construct_intrinsic)


def load_template(path: Path) -> dict[str, Any]:
    document = yaml.load(path.read_text(encoding="utf-8"), Loader=_TemplateLoader)  # noqa: S506 - SafeLoader subclass
    if not isinstance(document, dict):
        raise PackagingError(f"{path} is not a CloudFormation template (not a mapping)")
    return document


def load_snippet(path: Path) -> Any:
    """The content AWS::Include would insert: a YAML or JSON document."""
    if not path.is_file():
        raise PackagingError(f"included file {path} does not exist")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def include_location(node: object) -> str | None:
    """The Location of an `Fn::Transform: AWS::Include` node, or None for any other node."""
    if not isinstance(node, dict) or set(node) != {"Fn::Transform"}:
        return None
    transform = node["Fn::Transform"]
    if not isinstance(transform, dict) or transform.get("Name") != INCLUDE_TRANSFORM:
        return None
    location = (transform.get("Parameters") or {}).get("Location")
    if not isinstance(location, str):
        raise PackagingError("an AWS::Include transform has no string Location")
    return location


def inline_includes(node: Any, template_dir: Path) -> Any:
    """Replace every AWS::Include of a local file with the file's content."""
    location = include_location(node)
    if location is not None:
        if location.startswith("s3://") or "://" in location:
            raise PackagingError(f"cannot inline the remote include {location}")
        return load_snippet((template_dir / location).resolve())
    if isinstance(node, dict):
        return {key: inline_includes(value, template_dir) for key, value in node.items()}
    if isinstance(node, list):
        return [inline_includes(item, template_dir) for item in node]
    return node


def _strict_json(value: object) -> object:
    raise PackagingError(f"template holds a value JSON cannot carry: {value!r:.60}")


def render_template(source: Path, destination_dir: Path = BUILD_DIR) -> Path:
    rendered = inline_includes(load_template(source), source.parent)
    # A JSON round trip rejects dates and other YAML-only values before CloudFormation sees them.
    rendered = json.loads(json.dumps(rendered, default=_strict_json))
    destination = destination_dir / source.name
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.write_text(
        f"# Rendered from templates/{source.name} by scripts/package.py: edit the source, not this file.\n"
        + yaml.safe_dump(rendered, sort_keys=False, width=1000, allow_unicode=True),
        encoding="utf-8",
    )
    return destination


def render_templates(destination_dir: Path = BUILD_DIR) -> list[Path]:
    sources = sorted(TEMPLATES_DIR.glob("*.yaml"))
    if not sources:
        raise PackagingError(f"no templates in {TEMPLATES_DIR}")
    return [render_template(source, destination_dir) for source in sources]


# Characters that would not survive the unquoted `$(make -s ...)` the deploy commands use: the
# shell splits words at whitespace and expands *, ? and [ as file patterns (bash also treats a
# backslash as part of a pattern in some versions).
_UNSAFE_IN_A_WORD = frozenset("*?[\\")


def _key_value_words(configuration_file: Path, section: str) -> list[str]:
    """One `Key=Value` word for each entry of the file's `section` object, or a PackagingError."""
    try:
        configuration = json.loads(configuration_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise PackagingError(f"{configuration_file}: cannot read it as JSON ({error})") from error
    entries = configuration.get(section) if isinstance(configuration, dict) else None
    if not isinstance(entries, dict) or not entries:
        raise PackagingError(f"{configuration_file}: {section} must be a non-empty object of strings")
    words = []
    for key, value in entries.items():
        if not isinstance(value, str):
            raise PackagingError(f"{configuration_file}: {section} {key!r} must be a string, not {value!r}")
        unsafe = sorted({c for c in f"{key}{value}" if c.isspace() or c in _UNSAFE_IN_A_WORD})
        if not key or "=" in key or unsafe:
            shown = ", ".join(repr(c) for c in unsafe) or "an empty key or '=' in the key"
            raise PackagingError(
                f"{configuration_file}: {section} {key!r} cannot be passed as one shell word "
                f"(it holds {shown}); pass it to the AWS CLI by hand, quoted"
            )
        words.append(f"{key}={value}")
    return words


def tag_words(configuration_file: Path) -> list[str]:
    """`Tags` of a template-configuration file as the Key=Value words `aws cloudformation deploy` takes."""
    return _key_value_words(configuration_file, "Tags")


def parameter_words(configuration_file: Path) -> list[str]:
    """`Parameters` of a template-configuration file as Key=Value words for `--parameter-overrides`.

    AWS CLI v1 and v2 both take these words; only v2 also reads the file itself (file://).
    """
    return _key_value_words(configuration_file, "Parameters")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    subcommands = parser.add_subparsers(dest="command")
    tags = subcommands.add_parser("tags", help="print the Tags of a template-configuration file")
    tags.add_argument("file", type=Path)
    parameters = subcommands.add_parser(
        "parameters", help="print the Parameters of a template-configuration file"
    )
    parameters.add_argument("file", type=Path)
    arguments = parser.parse_args(argv)
    try:
        if arguments.command in {"tags", "parameters"}:
            words = tag_words if arguments.command == "tags" else parameter_words
            print(" ".join(words(arguments.file)))
            return 0
        for artifact in (build_rule_zip(), build_trigger_zip()):
            print(f"{artifact.relative_to(ROOT)}: {artifact.stat().st_size:,} bytes")
        for template in render_templates():
            print(f"{template.relative_to(ROOT)}: rendered")
    except PackagingError as error:
        print(f"package: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
