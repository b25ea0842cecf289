"""What `pip install .` ships runs without the development tools: no moto, no rootkeys_dev."""

import ast
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = {
    "root_access_keys": ROOT / "rules" / "IAM_ROOT_NO_ACCESS_KEYS" / "root_access_keys",
    "rootkeys": ROOT / "src" / "rootkeys",
}
DEVELOPMENT_ONLY = ("moto", "rootkeys_dev", "pytest", "hypothesis")
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_runtime_dependencies_leave_the_emulator_to_the_extras():
    required = [
        item.split(">")[0].split("[")[0].strip().lower() for item in PYPROJECT["project"]["dependencies"]
    ]
    assert "moto" not in required
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert any(item.startswith("moto[server]") for item in extras["demo"])
    assert any(item.startswith("moto[server]") for item in extras["dev"])


@pytest.mark.parametrize("package", sorted(SHIPPED))
def test_shipped_packages_import_no_development_tool(package):
    offending = {}
    for path in sorted(SHIPPED[package].rglob("*.py")):
        bad = {name for name in _imported_modules(path) if name.split(".")[0] in DEVELOPMENT_ONLY}
        if bad:
            offending[path.relative_to(ROOT).as_posix()] = sorted(bad)
    # The one allowed place: `rootkeys demo` loads the demo lazily and says which extra it needs.
    assert offending == ({"src/rootkeys/cli.py": ["rootkeys_dev"]} if package == "rootkeys" else {})


def test_the_demo_without_its_extra_says_what_to_install(monkeypatch, capsys):
    import builtins

    from rootkeys.cli import main

    real_import = builtins.__import__

    def no_dev_tools(name, *args, **kwargs):
        if name.startswith("rootkeys_dev"):
            raise ModuleNotFoundError(f"No module named {name!r}", name="moto")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_dev_tools)
    assert main(["demo"]) == 2
    assert "pip install 'rootkeys[demo]'" in capsys.readouterr().err
