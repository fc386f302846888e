"""The one place py-rattler runs: solve and install envs, or index a local channel.

Run as `python -m pyherd.conda.worker FD` (pyherd.conda.engine starts it): it loads
py-rattler at once, then reads requests from stdin, a JSON line each, and writes each
result as a JSON line to file descriptor FD. A build request
may carry, per env, `constraints` (pins), `current` (installed name -> version, so
the result can order versions with conda's own rules) and `expect` (the solution
the caller already checked: a different one fails instead of being installed).
Local (file://) packages are checked against their channel's sha256 before use,
which py-rattler does not do for them. py-rattler can
crash at interpreter exit after all work is done (FACTS.md), so the parent trusts the
result lines, not the exit status, kills the worker when it has them, and never
imports rattler itself; the worker leaves with os._exit when its stdin closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import json
import os
import sys
import traceback
import urllib.parse
from pathlib import Path
from typing import Any

from pyherd.errors import JobFailed
from pyherd.faults import checkpoint


class StageError(JobFailed):
    """A stage of the worker's job failed; `result` is what the worker reports."""

    def __init__(self, stage: str, env: str, message: str, spec_index: int | None = None):
        super().__init__(message)
        self.result = {
            "ok": False,
            "stage": stage,
            "env": env,
            "error": message,
            "spec_index": spec_index,
        }


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text


async def _build(req: dict[str, Any]) -> dict[str, Any]:
    import rattler

    priority = getattr(rattler.ChannelPriority, req.get("channel_priority", "strict").title())
    virtual = _virtual_packages()
    solved: list[tuple[dict[str, Any], list[Any]]] = []
    for env in req["envs"]:
        specs = []
        for i, text in enumerate(env["specs"]):
            try:
                specs.append(rattler.MatchSpec(text))
            except Exception as exc:
                raise StageError("spec", env["name"], _first_line(exc), i) from None
        try:
            records = await rattler.solve(
                sources=[rattler.Channel(c) for c in env["channels"]],
                specs=specs,
                platforms=[req["platform"], "noarch"] if req.get("platform") else None,
                virtual_packages=virtual,
                channel_priority=priority,
                constraints=env.get("constraints") or None,
            )
        except Exception as exc:
            raise StageError("solve", env["name"], _first_line(exc)) from None
        if "expect" in env and sorted(map(list, _triples(records))) != sorted(env["expect"]):
            raise StageError(
                "solve",
                env["name"],
                "the channels changed after the update was checked; nothing was built, "
                "the next run will see the new packages",
            )
        solved.append((env, records))
    checkpoint("worker-solved")
    if req.get("solve_only"):
        return {
            "ok": True,
            "solved": {
                env["name"]: [
                    [*t, str(r.channel or "")]
                    for t, r in zip(_triples(records), records, strict=True)
                ]
                for env, records in solved
            },
            "order": {env["name"]: _order(rattler, env, records) for env, records in solved},
        }
    for env, records in solved:
        _verify_local(env["name"], records, Path(req["cache_dir"]))
    counts = {}
    for env, records in solved:
        try:
            await rattler.install(
                records,
                target_prefix=env["prefix"],
                cache_dir=req["cache_dir"],
                show_progress=bool(req.get("show_progress")),
            )
        except Exception as exc:
            raise StageError("install", env["name"], _first_line(exc)) from None
        counts[env["name"]] = len(records)
        checkpoint(f"worker-installed-{env['name']}")
    return {"ok": True, "installed": counts}


@functools.cache
def _virtual_packages() -> list[Any]:
    """This host's virtual packages (__glibc, __cuda, ...): detected once per worker, at its
    start (detection runs nvidia-smi), while pyherd is still reading the site."""
    import rattler

    return rattler.VirtualPackage.detect()


def _triples(records: list[Any]) -> list[tuple[str, str, str]]:
    return [(r.name.normalized, str(r.version), str(r.build)) for r in records]


def _order(rattler: Any, env: dict[str, Any], records: list[Any]) -> dict[str, int]:
    """For packages also in `current` at another version: 1 newer now, -1 older, 0 equal."""
    current = env.get("current") or {}
    order = {}
    for name, version, _build in _triples(records):
        old = current.get(name)
        if old is not None and old != version:
            a, b = rattler.Version(version), rattler.Version(old)
            order[name] = (a > b) - (a < b)
    return order


def _verify_local(env: str, records: list[Any], cache: Path) -> None:
    """A local package must match its channel's sha256 (or md5) before it is unpacked.

    One already in the package cache was checked when it got there, and py-rattler
    uses the cached copy whatever the file now holds, so only new ones are read.
    """
    for r in records:
        url = str(r.url)
        algo, want = ("sha256", r.sha256) if r.sha256 else ("md5", r.md5)
        cached = cache / f"{r.name.normalized}-{r.version}-{r.build}"
        if not url.startswith("file://") or want is None or cached.is_dir():
            continue
        digest = hashlib.new(algo)
        try:
            with open(urllib.parse.unquote(urllib.parse.urlparse(url).path), "rb") as fh:
                while block := fh.read(1 << 20):
                    digest.update(block)
        except OSError as exc:
            raise StageError("verify", env, f"{url}: {exc.strerror or exc}") from None
        if digest.digest() != bytes(want):
            raise StageError(
                "verify",
                env,
                f"{url}: {algo} mismatch (the channel index says {bytes(want).hex()}, the file "
                f"has {digest.hexdigest()}): the package is corrupt or was replaced after indexing",
            )


async def _index(req: dict[str, Any]) -> dict[str, Any]:
    from rattler.index import index_fs

    try:
        await index_fs(Path(req["channel"]), force=True)
    except Exception as exc:
        raise StageError("index", "", _first_line(exc)) from None
    return {"ok": True}


OPS = {"build": _build, "index": _index}


def _answer(line: bytes) -> dict[str, Any]:
    try:
        request = json.loads(line)
        return asyncio.run(OPS[request["op"]](request))
    except StageError as exc:
        return exc.result
    except BaseException as exc:
        return {
            "ok": False,
            "stage": "worker",
            "env": "",
            "error": _first_line(exc),
            "traceback": traceback.format_exc(),
        }


def main(argv: list[str]) -> int:
    with contextlib.suppress(Exception):  # a failure is reported by the request that needs it
        _virtual_packages()  # loads py-rattler now, while pyherd reads the site

    with os.fdopen(int(argv[0]), "wb") as results:
        for line in sys.stdin.buffer:
            result = _answer(line)
            try:
                text = json.dumps(result)
            except (TypeError, ValueError) as exc:
                text = json.dumps({"ok": False, "stage": "worker", "env": "", "error": str(exc)})
            results.write(text.encode() + b"\n")
            results.flush()
    return 0


if __name__ == "__main__":
    code = main(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
