"""Every command README.md and the docs show runs against the local stack, and the output they show is what it says.

The shell blocks (```bash, ```sh) of each document are read from the document itself, so the docs cannot drift
from the product. They run in order, one bash per document (a variable set in one block is there in the next),
from the repository's root, against the stack `make run` starts (`python -m devstack`: demo data and demo keys),
with `set -e`: a command that fails fails the test, and so does a curl answered >= 400 unless the doc shows that
answer. The conventions a shown command follows:

- The local API is `http://127.0.0.1:3000/dev` (what `make run` serves) or `$API`; the test's own port replaces it.
- `$READ_KEY`, `$WRITE_KEY`, `$ADMIN_KEY` are the demo keys `make run` prints, `$KEY` a write key, `$BUCKET` the
  imports bucket; `make key|token|revoke` reach the stack (MOTO_PORT is set), and so do `aws` commands (the
  environment points them at the local stack, as `make run`'s banner shows) and `tradeprice` (TRADEPRICE_API_URL
  and TRADEPRICE_API_KEY are set).
- Files a command reads are in docs/examples/.
- Output a doc shows goes in a block right after the commands, marked `output` (```json output or
  ```text output): it is compared with the stdout of the block before it, its last JSON document for json (the
  keys shown must match, `"…"` stands for any value), its whole text for text (`…` stands for any run of text).
- Commands that cannot run here are listed in NOT_RUN with the reason; nothing else is skipped.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SHELLS = {"bash", "sh", "shell"}
DEPLOYED = "deployed"
"""A block fenced ```bash deployed acts on a stack deployed to AWS (its outputs, its secrets, a platform's admin
API): shown, not run. Such a block must name what it acts on (a `<placeholder>`, `$STACK`, `sam deploy`)."""
_NAMES_A_DEPLOYMENT = re.compile(r"<[A-Za-z][^>]*>|\$STACK\b|\$\(out |\bsam deploy\b")


def _runs_commands(path: Path) -> bool:
    return re.search(r"^ *```(bash|sh|shell)\s*$", path.read_text(encoding="utf-8"), re.MULTILINE) is not None


DOCUMENTS = [
    str(path.relative_to(ROOT))
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    if _runs_commands(path)
]
"""Every document that shows a command to run here, found by reading them: a new page cannot be forgotten."""
LOCAL_API = "http://127.0.0.1:3000/dev"
LOCAL_AWS = "http://127.0.0.1:5000"
NOT_RUN = {
    r"^make run\b": "the stack this test runs the commands against is what it starts",
    r"^make test\b": "this test is part of it",
    r"^make build\b": "builds for AWS Lambda (needs Python 3.12 and sam); nothing local to check",
    r"^make deploy\b": "deploys to an AWS account",
    r"^\.venv-sam/bin/sam deploy\b": "deploys to an AWS account",
    r"^pip install \.": "installs into the environment that runs the tests (make venv has installed it)",
    r"\bSTACK=<": "names a stack deployed to an AWS account",
}
"""Commands the docs show that a test cannot run (a pattern of the command's first line), with the reason."""
_STATUS = re.compile(r"^HTTP-STATUS (\d{3})$", re.MULTILINE)
_CITED_OUTSIDE = re.compile(r"\b(PRODUCT|STYLE|ERP-FORMATS)\.md\b")


@dataclass(frozen=True)
class Block:
    document: str
    line: int
    language: str
    flags: tuple[str, ...]
    text: str


def fenced_blocks(document: str) -> list[Block]:
    blocks: list[Block] = []
    lines = (ROOT / document).read_text(encoding="utf-8").splitlines()
    opened: tuple[int, str, tuple[str, ...]] | None = None
    indent = 0  # a block inside a numbered step is indented with it
    body: list[str] = []
    for number, line in enumerate(lines, start=1):
        fence = re.match(r"^( *)```(.*)$", line)
        if fence is None:
            if opened is not None:
                body.append(line[indent:] if line[:indent].isspace() else line.lstrip())
            continue
        if opened is None:
            words = fence.group(2).split()
            opened = (number, words[0] if words else "", tuple(words[1:]))
            indent = len(fence.group(1))
            body = []
        else:
            blocks.append(Block(document, opened[0], opened[1], opened[2], "\n".join(body)))
            opened = None
    return blocks


def runnable(block: Block) -> tuple[str, list[str]]:
    """The block's text with NOT_RUN commands (and their continuation lines) left out; → (script, left out)."""
    kept: list[str] = []
    skipped: list[str] = []
    skipping = continued = False
    for line in block.text.splitlines():
        if not continued:
            skipping = not_run(line.strip())
            if skipping:
                skipped.append(line.strip())
        if not skipping:
            kept.append(line)
        continued = line.rstrip().endswith("\\") or (continued and line.count("'") % 2 == 0 and _open_quote(kept))
    return "\n".join(kept).replace(LOCAL_API, "$API").replace(LOCAL_AWS, "$AWS_ENDPOINT_URL"), skipped


def not_run(command: str) -> bool:
    return any(re.search(pattern, command) for pattern in NOT_RUN)


def _open_quote(lines: list[str]) -> bool:
    return "\n".join(lines).count("'") % 2 == 1


@dataclass(frozen=True)
class DemoStack:
    api: str
    endpoint: str
    bucket: str
    keys: dict[str, str]


@pytest.fixture(scope="module")
def demo_stack() -> Iterator[DemoStack]:
    """`python -m devstack` (what `make run` runs) on free ports, seeded, its banner read for the URLs and keys."""
    process = subprocess.Popen(
        [sys.executable, "-m", "devstack", "--port", "0", "--moto-port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={name: value for name, value in os.environ.items() if not name.startswith("AWS_")},
    )
    assert process.stdout is not None
    banner: list[str] = []
    for line in process.stdout:
        banner.append(line)
        if "Ctrl-C stops the stack" in line:
            break
    text = "".join(banner)
    try:
        api = re.search(r"^  API +(\S+)$", text, re.MULTILINE)
        endpoint = re.search(r"moto at (\S+?)\)", text)
        bucket = re.search(r"^  Bucket +(\S+)$", text, re.MULTILINE)
        keys = dict(re.findall(r"^  (write|read|admin) +(tp_\S+)", text, re.MULTILINE))
        assert api, text
        assert endpoint, text
        assert bucket, text
        assert len(keys) == 3, text
        assert "Demo data:" in text, text
        yield DemoStack(api.group(1), endpoint.group(1), bucket.group(1), keys)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def shell_environment(stack: DemoStack) -> dict[str, str]:
    path = f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"
    return {
        "PATH": path,
        "HOME": os.environ.get("HOME", str(ROOT)),
        "LANG": "C.UTF-8",
        "API": stack.api,
        "KEY": stack.keys["write"],
        "WRITE_KEY": stack.keys["write"],
        "READ_KEY": stack.keys["read"],
        "ADMIN_KEY": stack.keys["admin"],
        "BUCKET": stack.bucket,
        "MOTO_PORT": stack.endpoint.rsplit(":", 1)[1],
        "TRADEPRICE_API_URL": stack.api,
        "TRADEPRICE_API_KEY": stack.keys["write"],
        "AWS_ENDPOINT_URL": stack.endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",  # moto's dummy credentials
        "AWS_DEFAULT_REGION": "eu-west-2",
    }


# -- comparing what a doc shows with what ran --------------------------------------------------------------------


def json_documents(text: str) -> list[Any]:
    decoder = json.JSONDecoder()
    found: list[Any] = []
    index = 0
    while index < len(text):
        if text[index] in "{[":
            try:
                value, end = decoder.raw_decode(text, index)
            except ValueError:
                index += 1
                continue
            found.append(value)
            index = end
        else:
            index += 1
    return found


def matches(shown: Any, actual: Any) -> bool:
    """Whether `actual` is what `shown` shows: the keys shown (others may be there), "…" for any value."""
    if shown == "…":
        return True
    if isinstance(shown, dict):
        return isinstance(actual, dict) and all(key in actual and matches(shown[key], actual[key]) for key in shown)
    if isinstance(shown, list):
        return (
            isinstance(actual, list)
            and len(shown) == len(actual)
            and all(matches(expected, got) for expected, got in zip(shown, actual, strict=True))
        )
    if isinstance(shown, str) and "…" in shown and isinstance(actual, str):
        return re.fullmatch(".*".join(re.escape(part) for part in shown.split("…")), actual, re.DOTALL) is not None
    return bool(shown == actual and type(shown) is type(actual))


def text_matches(shown: str, actual: str) -> bool:
    pattern = ".*".join(re.escape(part) for part in shown.strip().split("…"))
    return re.fullmatch(pattern, actual.strip(), re.DOTALL) is not None


# -- the tests -------------------------------------------------------------------------------------------------------


def test_the_documents_that_show_commands_are_run_and_their_deployed_blocks_name_the_deployment():
    documents = [str(path.relative_to(ROOT)) for path in [ROOT / "README.md", *(ROOT / "docs").rglob("*.md")]]
    deployed = [
        block
        for document in documents
        for block in fenced_blocks(document)
        if block.language in SHELLS and DEPLOYED in block.flags
    ]

    assert {"README.md", "docs/api.md", "docs/imports.md", "docs/auth.md", "docs/console.md"} <= set(DOCUMENTS)
    assert [f"{b.document}:{b.line}" for b in deployed if not _NAMES_A_DEPLOYMENT.search(b.text)] == []


def test_the_documents_cite_nothing_outside_the_repository():
    cited = {
        str(path.relative_to(ROOT)): _CITED_OUTSIDE.findall(path.read_text(encoding="utf-8"))
        for path in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    }

    assert {path: names for path, names in cited.items() if names} == {}


@pytest.mark.skipif(shutil.which("curl") is None, reason="the docs' commands use curl")
@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_command_a_document_shows_runs_and_shows_what_it_prints(document, demo_stack, tmp_path):
    blocks = fenced_blocks(document)
    shells = [index for index, block in enumerate(blocks) if block.language in SHELLS and DEPLOYED not in block.flags]
    assert shells, f"{document} shows no commands"
    environment = shell_environment(demo_stack)
    # curl reports each answer's status on stderr, after whatever the command prints.
    prelude = (
        "set -euo pipefail\n"
        "curl() { command curl \"$@\" -w '%{stderr}HTTP-STATUS %{http_code}\\n'; }\n"
        f"cd {json.dumps(str(ROOT))}\n"
    )
    script = prelude
    separators: list[tuple[int, Block]] = []
    left_out: list[str] = []
    for index in shells:
        block = blocks[index]
        text, skipped = runnable(block)
        left_out += skipped
        marker = f"=== {document}:{block.line} ==="
        separators.append((index, block))
        script += f"printf '\\n%s\\n' {json.dumps(marker)}; printf '\\n%s\\n' {json.dumps(marker)} >&2\n{text}\n"
    script += "printf '\\n=== end ===\\n'; printf '\\n=== end ===\\n' >&2\n"
    (tmp_path / "commands.sh").write_text(script, encoding="utf-8")

    done = subprocess.run(
        ["bash", str(tmp_path / "commands.sh")],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )

    assert done.returncode == 0, f"{document}: a command failed\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    stdout = _sections(done.stdout)
    stderr = _sections(done.stderr)
    assert all(not_run(command) for command in left_out)
    for index, block in separators:
        key = f"{document}:{block.line}"
        output = blocks[index + 1] if index + 1 < len(blocks) and "output" in blocks[index + 1].flags else None
        statuses = [int(status) for status in _STATUS.findall(stderr[key])]
        if output is None:
            failed = [status for status in statuses if status >= 400]
            assert not failed, f"{key}: curl answered {failed}\n{stdout[key][-3000:]}"
            continue
        if output.language == "json":
            shown = json.loads(output.text)
            answers = json_documents(stdout[key])
            assert answers, f"{key}: printed no JSON\n{stdout[key][-3000:]}"
            assert matches(shown, answers[-1]), f"{key}: shows\n{output.text}\nbut printed\n{answers[-1]}"
        else:
            assert text_matches(output.text, stdout[key]), f"{key}: shows\n{output.text}\nbut printed\n{stdout[key]}"


def _sections(text: str) -> dict[str, str]:
    sections: dict[str, str] = {}
    current = None
    for line in text.splitlines(keepends=True):
        marker = re.fullmatch(r"=== (.+) ===\n?", line)
        if marker:
            current = marker.group(1)
            sections[current] = ""
        elif current is not None:
            sections[current] += line
    return sections
