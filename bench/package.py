"""Size of the deployable zip: `make package`'s build/IAM_ROOT_NO_ACCESS_KEYS.zip, and the minimal content."""

import compileall
import importlib.util
import py_compile
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import rdklib

ROOT = Path(__file__).resolve().parent.parent
RULE_DIR = ROOT / "rules" / "IAM_ROOT_NO_ACCESS_KEYS"
LAMBDA_ZIP_LIMIT = 50 * 1024 * 1024  # direct upload of a zipped deployment package


@dataclass(frozen=True)
class PackageSize:
    path: str
    size: int
    files: int
    source: str  # "make package" or "built by bench"


def _wanted(path: Path) -> bool:
    return (
        path.is_file()
        and "__pycache__" not in path.parts
        and not path.name.endswith("_test.py")
        and "tests" not in path.parts
        and path.suffix != ".pyc"
    )


def _build(target: Path) -> None:
    rdklib_dir = Path(rdklib.__file__).resolve().parent
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in sorted(RULE_DIR.rglob("*")):
            if _wanted(path):
                archive.write(path, path.relative_to(RULE_DIR).as_posix())
        for path in sorted(rdklib_dir.rglob("*")):
            if _wanted(path):
                archive.write(path, path.relative_to(rdklib_dir.parent).as_posix())


def _measure(path: Path, label: str, source: str) -> PackageSize:
    with zipfile.ZipFile(path) as archive:
        files = len(archive.namelist())
    return PackageSize(label, path.stat().st_size, files, source)


def package_sizes() -> tuple[PackageSize | None, PackageSize]:
    """(`make package`'s rule zip if it exists, the minimal content: rule folder without tests + rdklib)."""
    built = ROOT / "build" / "IAM_ROOT_NO_ACCESS_KEYS.zip"
    packaged = None
    if built.exists():
        label = "build/IAM_ROOT_NO_ACCESS_KEYS.zip" + (", older than the sources" if is_stale(built) else "")
        packaged = _measure(built, label, "make package")
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "minimal.zip"
        _build(path)
        minimal = _measure(path, "rule folder without tests + rdklib", "built by bench")
    return packaged, minimal


def _packager() -> ModuleType:
    spec = importlib.util.spec_from_file_location("rootkeys_packager", ROOT / "scripts" / "package.py")
    if spec is None or spec.loader is None:
        raise RuntimeError("scripts/package.py cannot be loaded")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def deployable_zip(scratch: Path) -> Path:
    """The deployment zip built by the real packager (scripts/package.py, what `make package` runs)
    from the current tree, so cold starts measure today's code even when build/ is older."""
    return _packager().build_rule_zip(scratch / "deployable.zip")


def is_stale(archive: Path) -> bool:
    """True when a rule source file changed after the zip was built."""
    built = archive.stat().st_mtime
    return any(path.stat().st_mtime > built for path in RULE_DIR.rglob("*.py") if _wanted(path))


def unpack(archive: Path, target: Path, *, strip_bytecode: bool) -> Path:
    """Unpack a deployment zip as Lambda does; optionally drop its .pyc files to show what they save."""
    with zipfile.ZipFile(archive) as opened:
        opened.extractall(target)
    if strip_bytecode:
        for cache in sorted(target.rglob("__pycache__"), reverse=True):
            shutil.rmtree(cache)
    return target


def compiled_rule_folder(target: Path) -> Path:
    """The repository's rule folder (without tests) with every module compiled: the code's own cost,
    whatever state the working tree's __pycache__ is in."""
    for path in RULE_DIR.rglob("*"):
        if _wanted(path):
            destination = target / path.relative_to(RULE_DIR)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)
    compileall.compile_dir(target, quiet=1, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    return target
