"""The API document's JavaScript client (Node's global fetch) works against the sandbox."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from knock_data.sandbox import EXAMPLE_PROSPECT, SandboxServer

pytestmark = pytest.mark.integration

SCRIPT = Path(__file__).parent / "js" / "get_prospect.mjs"


@pytest.fixture(scope="module")
def node() -> str:
    path = shutil.which("node")
    if path is None:
        pytest.fail("Node.js 18 or later is needed: install it (Debian: apt-get install nodejs).")
    version = subprocess.run([path, "--version"], capture_output=True, text=True, check=True)
    major = int(re.match(r"v(\d+)", version.stdout).group(1))  # type: ignore[union-attr]
    assert major >= 18, f"global fetch needs Node.js 18 or later, found {version.stdout}"
    return path


def run_client(
    node: str, server: SandboxServer, *args: str, key: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KNOCK_BASE_URL": server.url}
    env.pop("KNOCK_API_KEY", None)
    if key is not None:
        env["KNOCK_API_KEY"] = key
    return subprocess.run(
        [node, str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_script_is_the_documents_example_but_for_host_key_and_id() -> None:
    lines = SCRIPT.read_text(encoding="utf-8").splitlines()
    code = [line for line in lines if not line.startswith("//")]
    # The document's lines, kept verbatim (it calls fetch and reads the body the same way).
    for kept in [
        "const getInternalProspect = async (prospectId) => {",
        "const res = await fetch(endpoint, {",
        '"Content-Type": "application/json",',
        '"x-api-key": API_KEY',
        'method: "GET"',
        "const resp = await res.json();",
        "if (res.status === 200) {",
        "console.log(resp);",
        "console.error(resp);",
    ]:
        assert kept in code
    assert "const endpoint = `${process.env.KNOCK_BASE_URL}/prospect/${prospectId}`;" in code
    assert code[-1] == "getInternalProspect(process.argv[2] ?? 51316);"


def test_document_client_prints_prospect_51316(node: str, sandbox: SandboxServer) -> None:
    before = sandbox.requests["/prospect/51316"]
    done = run_client(node, sandbox)  # no argument: the document's own id
    assert done.returncode == 0, done.stderr
    record = next(r for r in sandbox.records if r["prospectId"] == "51316")
    assert "prospectId: '51316'" in done.stdout
    assert f"communityId: '{record['communityId']}'" in done.stdout
    for field in EXAMPLE_PROSPECT:
        assert re.search(rf"^\s*{field}:", done.stdout, re.MULTILINE), field
    assert "errorMessage" not in done.stdout + done.stderr
    assert sandbox.requests["/prospect/51316"] == before + 1


def test_document_client_prints_the_error_body_for_an_unknown_id(
    node: str, sandbox: SandboxServer
) -> None:
    done = run_client(node, sandbox, "99999999999")
    assert done.returncode == 0
    assert done.stdout == ""
    assert "errorCode: 'CORE_API_GET_PROSPECT_FAIL'" in done.stderr
    assert (
        "errorMessage: 'Unable to get prospect upstream - Prospect_id 99999999999 does not exist.'"
        in done.stderr
    )


def test_document_client_prints_the_error_body_for_a_malformed_id(
    node: str, sandbox: SandboxServer
) -> None:
    done = run_client(node, sandbox, "abc")
    assert done.stdout == ""
    assert "errorMessage: 'Id abc is not a valid prospect id. Id must be a number.'" in done.stderr


def test_document_client_with_a_wrong_key_is_forbidden(node: str, sandbox: SandboxServer) -> None:
    done = run_client(node, sandbox, "51316", key="syndication-prospect-PROD-KEY")
    assert done.stdout == ""
    assert "message: 'Forbidden'" in done.stderr
