"""What `make build` ships: after `sam build`, bytecode for the runtime's Python beside every source, used as shipped.

Lambda's file system is read-only, so a package without bytecode compiles our code on every cold start. These run
the Makefile's own recipe (`make bytecode`, the step `make build` runs after `sam build`) over a directory shaped
like sam's output, with this interpreter standing in for the runtime's; `sam build` itself needs the network and
Python 3.12 and is not run here.
"""

import importlib.util
import marshal
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from devstack.template import load_template

ROOT = Path(__file__).resolve().parents[2]
THIS_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
UNCHECKED_HASH = 0b01  # PEP 552 flags: hash-based, source not checked


def _make(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["make", "--no-print-directory", *arguments], cwd=ROOT, capture_output=True, text=True)


@pytest.fixture
def built(tmp_path: Path) -> Path:
    """The shape `sam build` writes: a function's handler at the top of its directory, the layer under python/."""
    function = tmp_path / "PriceLookupFunction"
    package = tmp_path / "TradepriceLayer" / "python" / "shipped"
    package.mkdir(parents=True)
    function.mkdir()
    (function / "app.py").write_text("from shipped.answer import ANSWER\n")
    (package / "__init__.py").write_text("")
    (package / "answer.py").write_text("ANSWER = 'compiled at build time'\n")
    return tmp_path


def test_the_build_compiles_every_source_into_unchecked_hash_bytecode_for_the_runtime(built):
    done = _make("bytecode", f"BUILD_DIR={built}", f"RUNTIME_PYTHON={sys.executable}", f"RUNTIME_VERSION={THIS_PYTHON}")

    assert done.returncode == 0, done.stderr
    sources = sorted(built.rglob("*.py"))
    assert len(sources) == 3
    for source in sources:
        cached = Path(importlib.util.cache_from_source(str(source)))
        data = cached.read_bytes()
        assert data[:4] == importlib.util.MAGIC_NUMBER, source
        assert int.from_bytes(data[4:8], "little") == UNCHECKED_HASH, source
        # Without the build directory's path, so the same sources build the same package anywhere.
        assert marshal.loads(data[16:]).co_filename == str(source.relative_to(built)), source


def test_shipped_bytecode_is_used_as_is_on_a_read_only_file_system(built):
    _make("bytecode", f"BUILD_DIR={built}", f"RUNTIME_PYTHON={sys.executable}", f"RUNTIME_VERSION={THIS_PYTHON}")
    # Given a source changed after the build (as extracting a zip changes every mtime), the pyc still answers:
    # the interpreter neither checks the source nor compiles it again.
    (built / "TradepriceLayer" / "python" / "shipped" / "answer.py").write_text("ANSWER = 'compiled at cold start'\n")
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(built / "PriceLookupFunction"), str(built / "TradepriceLayer" / "python")]),
        "PYTHONDONTWRITEBYTECODE": "1",
    }

    done = subprocess.run(
        [sys.executable, "-c", "import app; print(app.ANSWER)"], env=environment, capture_output=True, text=True
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "compiled at build time"


def test_bytecode_is_refused_from_a_python_that_is_not_the_runtimes(built):
    done = _make("bytecode", f"BUILD_DIR={built}", f"RUNTIME_PYTHON={sys.executable}", "RUNTIME_VERSION=3.99")

    assert done.returncode != 0
    assert f"needs that Python, not {THIS_PYTHON}" in done.stderr
    assert not list(built.rglob("*.pyc"))


def test_make_build_compiles_what_sam_built_with_the_python_it_built_with():
    recipe = _make("-n", "build").stdout

    sam_build = recipe.index("build --template-file template.yaml")
    compile_all = recipe.index("-m compileall -q -j 0 --invalidation-mode unchecked-hash")
    assert sam_build < compile_all
    assert '"$py312_bin/python3.12" -m compileall' in recipe[compile_all - 40 :]


def test_the_bytecode_is_for_the_python_the_template_runs():
    template = load_template(ROOT / "template.yaml")
    (version,) = re.findall(r"^RUNTIME_VERSION := (\S+)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    runtime = f"python{version}"

    assert template["Globals"]["Function"]["Runtime"] == runtime
    layer = template["Resources"]["TradepriceLayer"]
    assert layer["Metadata"]["BuildMethod"] == runtime
    assert layer["Properties"]["CompatibleRuntimes"] == [runtime]
    functions = [r for r in template["Resources"].values() if r["Type"] == "AWS::Serverless::Function"]
    assert all(function["Properties"].get("Runtime", runtime) == runtime for function in functions)
