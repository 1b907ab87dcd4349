"""The curls a newcomer copies first (the README's, and the ones ``make run`` prints) work as
written: each is run here, method, headers and body, against the stack."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import aiohttp
from yarl import URL

from services.gateway.entrypoints.admin_cli import first_curls
from tests.common.oidc_issuer import TestIssuer
from tests.common.orgs import Org
from tests.common.stack import ROOT, Stack


def _curls(text: str) -> list[list[str]]:
    """Each ``curl`` command line of ``text`` (continuation lines joined), as shell words."""
    joined = re.sub(r"\\\n\s*", " ", text)
    return [shlex.split(line.strip()) for line in joined.splitlines()
            if line.strip().startswith("curl ")]


def _request(words: list[str]) -> dict[str, Any]:
    request: dict[str, Any] = {"method": "GET", "headers": {}, "data": None}
    args = iter(words[1:])
    for word in args:
        if word == "-X":
            request["method"] = next(args)
        elif word == "-H":
            name, _, value = next(args).partition(":")
            request["headers"][name.strip()] = value.strip()
        elif word == "-d":
            request["data"] = next(args)
            if request["method"] == "GET":
                request["method"] = "POST"
        elif not word.startswith("-"):
            request["url"] = URL(word)
    return request


async def _run(http: aiohttp.ClientSession, stack: Stack, words: list[str],
               values: dict[str, str]) -> Any:
    request = _request(words)
    for name, value in values.items():
        request["headers"] = {k: v.replace(f"${name}", value)
                              for k, v in request["headers"].items()}
        if request["data"] is not None:
            request["data"] = request["data"].replace(f"${name}", value)
    async with http.request(request["method"], stack.base_url + request["url"].path_qs,
                            data=request["data"], headers=request["headers"]) as response:
        body = await response.json()
        assert response.status in (200, 201), (words, body)
    return body


def test_every_curl_with_a_body_says_it_is_json() -> None:
    texts = [(ROOT / "README.md").read_text(), first_curls(8080, "rk_live_x")]
    with_body = [w for text in texts for w in _curls(text) if "-d" in w]
    assert len(with_body) >= 4
    for words in with_body:
        assert _request(words)["headers"].get("Content-Type") == "application/json", words


async def test_the_readme_curls_work_as_written(http: aiohttp.ClientSession, stack: Stack,
                                                org: Org, issuer: TestIssuer) -> None:
    # $TOKEN: what `rekomi admin dev-token --role Manager` prints, from the suite's issuer
    values = {"KEY": org.api_key, "TOKEN": issuer.operator_token(org.org_id, "Manager")}
    for words in _curls(Path(ROOT / "README.md").read_text()):
        if "127.0.0.1:8080" not in " ".join(words):
            continue
        body = await _run(http, stack, words, values)
        if "/api/v1/programs" in " ".join(words) and "id" in body:  # the program made
            values["PROGRAM"] = body["id"]
    assert "PROGRAM" in values


async def test_the_curls_make_run_prints_work_as_written(http: aiohttp.ClientSession,
                                                         stack: Stack, org: Org) -> None:
    for words in _curls(first_curls(8080, org.api_key)):
        await _run(http, stack, words, {})
