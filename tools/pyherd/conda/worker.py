"""The one place py-rattler runs: solve and install envs, or index a local channel.

Run as `python -m pyherd.conda.worker REQUEST.json RESULT.json`. py-rattler can
crash at interpreter exit after all work is done (FACTS.md), so the worker writes
its result file first and leaves with os._exit; the parent trusts the result file,
not the exit status, and never imports rattler itself.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any

from pyherd.faults import checkpoint


class StageError(Exception):
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
    virtual = rattler.VirtualPackage.detect()
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
            )
        except Exception as exc:
            raise StageError("solve", env["name"], _first_line(exc)) from None
        solved.append((env, records))
    checkpoint("worker-solved")
    if req.get("solve_only"):
        return {
            "ok": True,
            "solved": {
                env["name"]: [
                    [r.name.normalized, str(r.version), str(r.build), str(r.channel or "")]
                    for r in records
                ]
                for env, records in solved
            },
        }
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


async def _index(req: dict[str, Any]) -> dict[str, Any]:
    from rattler.index import index_fs

    try:
        await index_fs(Path(req["channel"]), force=True)
    except Exception as exc:
        raise StageError("index", "", _first_line(exc)) from None
    return {"ok": True}


OPS = {"build": _build, "index": _index}


def main(argv: list[str]) -> int:
    request_path, result_path = Path(argv[0]), Path(argv[1])
    try:
        request = json.loads(request_path.read_text())
        result = asyncio.run(OPS[request["op"]](request))
    except StageError as exc:
        result = exc.result
    except BaseException as exc:
        result = {
            "ok": False,
            "stage": "worker",
            "env": "",
            "error": _first_line(exc),
            "traceback": traceback.format_exc(),
        }
    try:
        text = json.dumps(result)
    except (TypeError, ValueError) as exc:
        text = json.dumps({"ok": False, "stage": "worker", "env": "", "error": str(exc)})
    tmp = result_path.with_suffix(".tmp")
    tmp.write_text(text)
    os.replace(tmp, result_path)
    return 0 if result.get("ok") else 1


if __name__ == "__main__":
    code = main(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
