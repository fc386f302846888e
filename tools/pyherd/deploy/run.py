"""One deploy across hosts: each host's trees brought to this render, a bounded number of
hosts at a time, and `--run`: a pyherd command on each build host, output prefixed.

Per host, one SSH connection: read the releases' manifests (one command), upload
nothing when they match, else one archive of the changed files into the staging
directory beside the target, then one script that builds the new release and
swaps the link (scripts.py), then Lmod's cache refresh. A host that fails is
reported and the others go on; nothing on a host changes before its swap.
"""

from __future__ import annotations

import secrets
import shlex
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TextIO

from fabric import Connection

from pyherd import __version__
from pyherd.deploy import scripts
from pyherd.deploy.hosts import HostError, connect
from pyherd.deploy.target import Target
from pyherd.deploy.trees import Change, Tree, archive, diff
from pyherd.faults import checkpoint

QUICK, SLOW = 120, 1800  # seconds: reading a host's state; a swap or a cache refresh


@dataclass
class HostResult:
    host: str
    result: str  # deployed, unchanged, would change, failed; for --run: ok, failed
    changed: int = 0
    detail: str = ""
    seconds: float = 0.0
    ok: bool = True
    notes: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)  # --dry-run: each file, as rsync -n -i


def itemize(change: Change, remote: dict[str, str]) -> list[str]:
    """rsync's --itemize-changes spelling of a change: >f+++++++++ new, >fc........
    changed content, *deleting removed."""
    label = change.tree.label
    lines = [f"{'>fc........' if rel in remote else '>f+++++++++'} {label}/{rel}"
             for rel in change.upload]  # fmt: skip
    lines += [f"*deleting   {label}/{rel}" for rel in change.remove]
    return sorted(lines, key=lambda line: line.split(" ", 1)[1].strip())


def each_host(target: Target, job: Callable[[str, Connection], HostResult]) -> list[HostResult]:
    """job(host, connection) on every host, at most settings.parallel at once; results in
    the hosts' order. A host that cannot be reached or trusted is a failed result."""
    lock = threading.Lock()

    def one(host: str) -> HostResult:
        start = time.monotonic()
        conn = None
        try:
            conn, recorded = connect(
                host,
                target.settings,
                target.known_hosts,
                target.identity,
                accept_new=target.accept_new and not target.dry_run,
                lock=lock,
            )
            result = job(host, conn)
            if recorded:
                result.notes.append(f"new host key recorded in {target.known_hosts}")
        except HostError as exc:
            result = HostResult(host, "failed", detail=str(exc), ok=False)
        except Exception as exc:  # one host's surprise must not take the others down
            result = HostResult(host, "failed", detail=f"{type(exc).__name__}: {exc}", ok=False)
        finally:
            if conn is not None:
                conn.close()
        result.seconds = time.monotonic() - start
        return result

    workers = max(1, min(target.settings.parallel, len(target.hosts)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="deploy") as pool:
        return list(pool.map(one, target.hosts))


def _sh(conn: Connection, script: str, **kwargs: object):
    """Run a script under /bin/sh whatever the user's login shell is."""
    return conn.run(f"/bin/sh -c {shlex.quote(script)}", warn=True, in_stream=False, **kwargs)


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def deploy_trees(target: Target, trees: list[Tree]) -> list[HostResult]:
    """Bring every host's trees to these; a rerun with nothing changed uploads nothing."""

    claims: dict[str, str] = {}  # a store identity -> the host deploying through it
    claiming = threading.Lock()

    def job(host: str, conn: Connection) -> HostResult:
        state = _sh(conn, scripts.read_state(trees), hide=True, timeout=QUICK)
        if state.exited != 0:
            raise HostError(f"cannot read the current release: {_last_line(state.stderr)}")
        host_state = scripts.parse_state(state.stdout, len(trees))
        remote, missing = host_state.trees, host_state.missing
        if host_state.identity:
            with claiming:
                owner = claims.setdefault(host_state.identity, host)
            if owner != host:  # the same files another host of this run deploys
                return HostResult(host, "shared", detail=f"same filesystem as {owner}")
        if missing:
            raise HostError(f"the host lacks {', '.join(missing)} (needed to swap releases)")
        for tree, there in zip(trees, remote, strict=True):
            if there.state == "notlink":
                raise HostError(
                    f"{tree.remote} is a directory pyherd did not make; move it aside once "
                    f"(mv {tree.remote} {tree.remote}.old) and deploy again"
                )
        drifted = 0
        if target.verify:  # a hand-edited live file counts as changed: it is uploaded again
            checked = _sh(conn, scripts.verify(trees), hide=True, timeout=SLOW)
            for there, files in zip(remote, scripts.parse_verify(checked.stdout, len(trees)),
                                    strict=True):  # fmt: skip
                if there.manifest is not None:
                    for rel in files & set(there.manifest):
                        there.manifest[rel] = "drifted"
                        drifted += 1
        changes = [
            diff(tree, there.manifest or {}) for tree, there in zip(trees, remote, strict=True)
        ]
        changed = [
            change
            for change, there in zip(changes, remote, strict=True)
            if change.count or there.state == "absent" or there.manifest is None
        ]
        count = sum(change.count for change in changed)
        summary = _summary(changed) + (f"; {drifted} drifted on the host" if drifted else "")
        if not changed and host_state.refresh_pending and not target.dry_run:
            result = HostResult(host, "unchanged", detail="nothing to upload")
            return _refresh(conn, target, trees, result, retried=True)
        if not changed:
            return HostResult(host, "unchanged", detail="nothing to upload")
        if target.dry_run:
            result = HostResult(host, "would change", count, summary)
            for change, there in ((c, r) for c, r in zip(changes, remote, strict=True)
                                  if c in changed):  # fmt: skip
                result.items += itemize(change, there.manifest or {})
            return result
        release = scripts.next_release(remote, secrets.token_hex(4))
        staging = changed[0].tree.store.incoming
        mk = _sh(
            conn, scripts.prepare([c.tree for c in changed], trees[0]), hide=True, timeout=QUICK
        )
        if mk.exited != 0:  # the changes stay pending: the row says how many
            why = f"cannot prepare {staging}: {_last_line(mk.stderr)}"
            return HostResult(host, "failed", count, why, ok=False)
        upload = f"{staging}/{release}.tar.gz"
        _upload(conn, archive(changed), upload)
        expected = [there.release for change in changed for tree, there in
                    zip(trees, remote, strict=True) if tree is change.tree]  # fmt: skip
        swapped = _sh(
            conn,
            scripts.swap(upload, release, [change.tree for change in changed], expected),
            hide=True,
            timeout=SLOW,
        )
        if swapped.exited == 75:
            why = _last_line(swapped.stderr)
            return HostResult(host, "locked", count, f"{why}; nothing changed", ok=False)
        if swapped.exited != 0:
            why = _last_line(swapped.stderr) or f"exit {swapped.exited}"
            detail = f"the swap failed, the previous release stays: {why}"
            return HostResult(host, "failed", count, detail, ok=False)
        result = HostResult(host, "deployed", count, summary)
        if any(change.tree is trees[0] for change in changed):
            return _refresh(conn, target, trees, result)
        return result

    return each_host(target, job)


def rollback_trees(target: Target, trees: list[Tree]) -> list[HostResult]:
    """Each host's trees back to the release kept before the current one."""

    def job(host: str, conn: Connection) -> HostResult:
        if target.dry_run:
            state = _sh(conn, scripts.read_state(trees), hide=True, timeout=QUICK)
            releases = [t.release for t in scripts.parse_state(state.stdout, len(trees)).trees]
            return HostResult(host, "would roll back", detail=", ".join(filter(None, releases)))
        ran = _sh(conn, scripts.rollback(trees), hide=True, timeout=SLOW)
        if ran.exited == 75:
            return HostResult(host, "locked", detail=_last_line(ran.stderr), ok=False)
        if ran.exited != 0:
            raise HostError(f"the rollback failed: {_last_line(ran.stderr) or ran.exited}")
        moved = [line.split()[1:] for line in ran.stdout.splitlines()
                 if line.startswith("#rolled-back ")]  # fmt: skip
        if not moved:
            return HostResult(host, "failed", detail="no earlier release kept", ok=False)
        detail = "; ".join(f"{trees[int(i)].label}: {cur} -> {prev}" for i, cur, prev in moved)
        result = HostResult(host, "rolled back", len(moved), detail)
        if any(i == "0" for i, _, _ in moved):
            return _refresh(conn, target, trees, result)
        return result

    return each_host(target, job)


def _refresh(
    conn: Connection, target: Target, trees: list[Tree], result: HostResult, retried: bool = False
) -> HostResult:
    """Refresh Lmod's spider cache after the modulefiles changed (or retry one a failed
    refresh still owes); a failure fails the host, and the next deploy retries."""
    settings = target.settings
    if not settings.lmod_cache_dir:
        return result
    refreshed = _sh(
        conn,
        scripts.refresh(
            settings.cache_update,
            settings.lmod_cache_dir,
            trees[0].remote,
            trees[0].store.refresh_pending,
        ),
        hide=True,
        timeout=SLOW,
    )
    if refreshed.exited != 0:
        why = _last_line(refreshed.stdout + "\n" + refreshed.stderr) or f"exit {refreshed.exited}"
        result.ok, result.result = False, "failed"
        done = "deployed, but " if result.changed else ""
        result.detail += f"; {done}the cache refresh failed (the next deploy retries it): {why}"
    else:
        result.detail += "; " + _last_line(refreshed.stdout).lstrip("#")
        if retried:
            result.detail += " (retried: the last refresh had failed)"
    return result


def _summary(changes: list[Change]) -> str:
    parts = []
    for change in changes:
        parts.append(f"{change.tree.label}: {len(change.upload)} up, {len(change.remove)} removed")
    return "; ".join(parts)


UPLOAD_CHUNK = 1 << 16


def _upload(conn: Connection, data: bytes, path: str) -> None:
    """The archive over SFTP; a kill part-way leaves a partial file in incoming/ and no swap."""
    sftp = conn.sftp()
    half = len(data) // 2
    with sftp.open(path, "wb") as fh:
        fh.set_pipelined(True)
        fh.write(data[:half])
        checkpoint("deploy-upload")  # tests kill here: half an archive on the host
        for start in range(half, len(data), UPLOAD_CHUNK):
            fh.write(data[start : start + UPLOAD_CHUNK])


def run_remote(target: Target, words: list[str], out: TextIO | None = None) -> list[HostResult]:
    """`pyherd WORDS --site S` in project_dir on each host, its output prefixed with the host."""
    settings = target.settings
    stream = out or sys.stdout
    lock = threading.Lock()
    command = (
        f"cd {shlex.quote(settings.project_dir or '.')} && {shlex.quote(settings.pyherd)} "
        + " ".join(shlex.quote(w) for w in [*words, "--site", target.site])
    )

    def job(host: str, conn: Connection) -> HostResult:
        version = _sh(conn, f"{shlex.quote(settings.pyherd)} --version", hide=True, timeout=QUICK)
        found = version.stdout.strip()
        if version.exited != 0 or found != f"pyherd {__version__}":
            what = found or _last_line(version.stderr) or f"exit {version.exited}"
            raise HostError(
                f"needs pyherd {__version__} on the host, found: {what}; install it there "
                f"(pip install pyherd=={__version__} from this checkout) or set deploy.pyherd "
                "to its path"
            )
        writer = _Prefixed(host, stream, lock)
        ran = _sh(conn, command, out_stream=writer, err_stream=writer, hide=False)
        writer.close()
        ok = ran.exited == 0
        return HostResult(host, "ok" if ok else "failed", detail=f"exit {ran.exited}", ok=ok)

    return each_host(target, job)


class _Prefixed:
    """A stream that writes whole lines as `host | line`, one host's line at a time."""

    def __init__(self, host: str, stream: TextIO, lock: threading.Lock):
        self.host, self.stream, self.lock, self.pending = host, stream, lock, ""

    def write(self, text: str) -> int:
        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        if lines:
            with self.lock:
                for line in lines:
                    self.stream.write(f"{self.host} | {line}\n")
                self.stream.flush()
        return len(text)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        if self.pending:
            self.write("\n")
