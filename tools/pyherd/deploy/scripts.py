"""The shell a deploy runs on a host: read the current releases, swap in a new one, refresh
Lmod's cache. POSIX sh with GNU coreutils, tar and flock; every path (from the release
store's layout, deploy/layout.py) is quoted here.

A new release is built beside the current one and the link is replaced by rename(2),
so a reader sees the old tree or the new one, never a mix. Files in a release that
pyherd never put there are carried into the next one untouched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from shlex import quote

from pyherd.deploy.trees import Tree

KEEP = 2  # releases kept per tree: the current one and the one before it
_RELEASE = re.compile(r"^r(\d{6})-[0-9a-f]{8}$")


@dataclass
class RemoteTree:
    """What a host holds for one tree."""

    state: str  # "release", "absent", "notlink" (a real directory: not pyherd's)
    release: str = ""
    manifest: dict[str, str] | None = None  # None: the release has no manifest

    @property
    def counter(self) -> int:
        match = _RELEASE.match(self.release)
        return int(match.group(1)) if match else 0


def read_state(trees: list[Tree]) -> str:
    """Prints, per tree, '#tree N' and its state, then its manifest's lines."""
    parts = ["for tool in tar flock cp mktemp; do command -v $tool >/dev/null "
             "|| printf '#missing %s\\n' $tool; done"]  # fmt: skip
    for i, tree in enumerate(trees):
        target = quote(tree.remote)
        manifests = quote(tree.store.manifests)
        parts.append(
            f"printf '#tree {i}\\n'; "
            f"if [ -L {target} ]; then cur=$(readlink -- {target}); cur=${{cur##*/}}; "
            f"printf '#release %s\\n' \"$cur\"; "
            f"cat -- {manifests}/\"$cur\" 2>/dev/null || printf '#nomanifest\\n'; "
            f"elif [ -e {target} ]; then printf '#notlink\\n'; "
            f"else printf '#absent\\n'; fi"
        )
    return "\n".join(parts) + "\n"


def parse_state(text: str, count: int) -> tuple[list[RemoteTree], list[str]]:
    """The trees' states, and the tools the host lacks."""
    trees = [RemoteTree("absent") for _ in range(count)]
    missing: list[str] = []
    current: RemoteTree | None = None
    for line in text.splitlines():
        if line.startswith("#missing "):
            missing.append(line.split(" ", 1)[1])
        elif line.startswith("#tree "):
            current = trees[int(line.split()[1])]
        elif current is None:
            continue
        elif line.startswith("#release "):
            current.state, current.release, current.manifest = "release", line[9:], {}
        elif line == "#nomanifest":
            current.manifest = None
        elif line == "#notlink":
            current.state = "notlink"
        elif current.manifest is not None and not line.startswith("#"):
            digest, _, rel = line.partition("  ")
            current.manifest[rel] = digest
    return trees, missing


def swap(archive: str, release: str, changed: list[Tree]) -> str:
    """Unpack the uploaded archive into a new release of each changed tree, then point
    each tree's link at it; prune old releases. Exit 75: another deploy holds a lock."""
    lines = [
        "set -eu",
        "umask 022",
        f"archive={quote(archive)}",
        f"id={quote(release)}",
        'unpacked=$(mktemp -d "$archive.XXXXXX")',
        'trap \'rm -rf -- "$unpacked" "$archive"\' EXIT',
        'tar -xzf "$archive" -C "$unpacked"',
    ]
    for i, tree in enumerate(changed):  # <i>/ in the archive; lock on fd 3 + i
        fd = 3 + i
        target, store = quote(tree.remote), tree.store
        releases, manifests = quote(store.releases), quote(store.manifests)
        lines += [
            f"mkdir -p {releases} {manifests}",
            f"exec {fd}>{quote(store.lock)}",
            f'flock -n {fd} || {{ echo "another deploy is swapping {tree.remote}" >&2; exit 75; }}',
            f"if [ -e {target} ] && [ ! -L {target} ]; then "
            f'echo "{tree.remote} is a directory pyherd did not make; move it aside" >&2; '
            "exit 3; fi",
            f"find {releases} -mindepth 1 -maxdepth 1 -name '*.tmp' -exec rm -rf -- {{}} +",
            f'new={releases}/"$id"',
            'mkdir -- "$new.tmp"',
            f'if [ -L {target} ] && [ -d {target}/ ]; then cp -al -- {target}/. "$new.tmp"/; fi',
            f'(cd "$new.tmp" && xargs -r -d \'\\n\' rm -f -- < "$unpacked/{i}/gone")',
            f"(cd \"$new.tmp\" && xargs -r -d '\\n' rmdir -p --ignore-fail-on-non-empty -- "
            f'< "$unpacked/{i}/dirs") 2>/dev/null || true',
            f'if [ -d "$unpacked/{i}/files" ]; then '
            f'cp -R -- "$unpacked/{i}/files/." "$new.tmp"/; fi',
            f'mv -- "$unpacked/{i}/manifest" {manifests}/"$id"',
            'mv -T -- "$new.tmp" "$new"',
        ]
    for tree in changed:
        target, store = quote(tree.remote), tree.store
        releases, manifests = quote(store.releases), quote(store.manifests)
        link = quote(store.link_prefix) + '"$id"'
        temp = quote(store.link_temp)
        lines += [
            f"rm -f -- {temp}",
            f"ln -s -- {link} {temp}",
            f"mv -T -- {temp} {target}",
            f"ls -1 {releases} | grep -v '\\.tmp$' | sort | head -n -{KEEP} | "
            f'while read -r old; do rm -rf -- {releases}/"$old" '
            f'{manifests}/"$old"; done',
            f"find {quote(store.incoming)} -mindepth 1 -maxdepth 1 -mmin +60 "
            "-exec rm -rf -- {} + 2>/dev/null || true",
        ]
    return "\n".join(lines) + "\n"


def refresh(command: str, cache_dir: str, modulepath: str) -> str:
    """Refresh Lmod's system spider cache; prints '#cache refreshed' or '#cache skipped ...'."""
    cmd, directory = quote(command), quote(cache_dir)
    return (
        f"if command -v {cmd} >/dev/null 2>&1; then "
        f"mkdir -p {directory} && {cmd} -d {directory} -t {directory}/timestamp "
        f"{quote(modulepath)} >/dev/null && echo '#cache refreshed'; "
        f"else echo '#cache skipped: {command.replace(chr(39), '')} not found'; fi\n"
    )


def next_release(states: list[RemoteTree], suffix: str) -> str:
    """r<counter>-<8 hex>: one past the newest release any tree of the host has."""
    return f"r{max((s.counter for s in states), default=0) + 1:06d}-{suffix}"
