"""The repository's deployable artifacts, as the constructs use them.

The constructs deploy exactly what `make package` builds: the Lambda zips in build/ and the
templates as scripts/package.py renders them (runbooks inlined). Templates are rendered afresh
from templates/ for every synth, so they cannot be stale; the zips take minutes to build (pip
fetches arm64 wheels), so they are read from build/ and refused when the code in them differs
from the source tree.
"""

import importlib.util
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATES_DIR = REPO_ROOT / "templates"
DEFAULT_BUILD_DIR = REPO_ROOT / "build"


class ArtifactError(Exception):
    """An artifact is missing or out of date; the message says which and what to run."""


def _load_packaging() -> ModuleType:
    # scripts/ is not a package; load package.py under a name no other module uses.
    name = "rootkeys_scripts_package"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, REPO_ROOT / "scripts" / "package.py")
    if spec is None or spec.loader is None:
        raise ArtifactError(f"cannot load {REPO_ROOT / 'scripts' / 'package.py'}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


packaging = _load_packaging()


@dataclass(frozen=True)
class Template:
    """One rendered template: its parsed body and the file CfnInclude reads."""

    name: str
    path: Path
    body: dict


def render(name: str, destination_dir: Path) -> Template:
    """templates/<name>.yaml rendered by scripts/package.py into destination_dir."""
    source = TEMPLATES_DIR / f"{name}.yaml"
    if not source.is_file():
        raise ArtifactError(f"{source} does not exist")
    try:
        path = packaging.render_template(source, destination_dir)
    except packaging.PackagingError as error:
        raise ArtifactError(f"cannot render {source.name}: {error}") from error
    return Template(name=name, path=path, body=packaging.load_template(path))


def _zip_differences(archive: Path, expected: list[tuple[Path, str]], *, exact: bool) -> list[str]:
    with zipfile.ZipFile(archive) as opened:
        names = set(opened.namelist())
        differences = [
            name for source, name in expected if name not in names or opened.read(name) != source.read_bytes()
        ]
        if exact:
            wanted = {name for _, name in expected}
            differences += sorted(name for name in names - wanted if not name.endswith("/"))
    return differences


def checked_zip(build_dir: Path, file_name: str) -> Path:
    """build_dir/file_name, after checking that it holds the current source of its function."""
    archive = build_dir / file_name
    if not archive.is_file():
        raise ArtifactError(f"{archive} does not exist: run `make package` first")
    if file_name == packaging.RULE_ZIP.name:
        expected = list(packaging._rule_files())
        differences = _zip_differences(archive, expected, exact=False)
    elif file_name == packaging.TRIGGER_ZIP.name:
        sources = packaging._tree_files(packaging.TRIGGER_DIR)
        expected = [(path, name) for path, name in sources if not name.startswith("test")]
        differences = _zip_differences(archive, expected, exact=True)
    else:
        raise ArtifactError(f"{file_name} is not a zip that scripts/package.py builds")
    if not expected:
        raise ArtifactError(f"no source files found for {file_name}")
    if differences:
        shown = ", ".join(differences[:5]) + (" ..." if len(differences) > 5 else "")
        raise ArtifactError(f"{archive} is out of date with the source ({shown}): run `make package` again")
    return archive
