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
    """Prints '#refresh-pending' when a cache refresh is owed, then, per tree, '#tree N'
    and its state, then its manifest's lines."""
    pending = quote(trees[0].store.refresh_pending)
    identity = quote(trees[0].store.identity)
    parts = ["for tool in tar flock cp mktemp; do command -v $tool >/dev/null "
             "|| printf '#missing %s\\n' $tool; done",
             f"[ ! -e {pending} ] || printf '#refresh-pending\\n'",
             f"[ ! -f {identity} ] || [ -L {identity} ] || "
             f"printf '#identity %s\\n' \"$(head -c 64 {identity})\""]  # fmt: skip
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


@dataclass
class HostState:
    trees: list[RemoteTree]
    missing: list[str]  # tools the host lacks
    refresh_pending: bool = False  # a change was swapped in but the cache refresh failed
    identity: str = ""  # the store's token: the same on hosts that share the filesystem


def verify(trees: list[Tree]) -> str:
    """Prints, per tree, '#verify N', then each file of its live release whose content no
    longer matches the release's manifest (hand-edited, truncated, removed)."""
    parts = []
    for i, tree in enumerate(trees):
        target, manifests = quote(tree.remote), quote(tree.store.manifests)
        parts.append(
            f"printf '#verify {i}\\n'; "
            f"if [ -L {target} ]; then cur=$(readlink -- {target}); cur=${{cur##*/}}; "
            f'(cd -- {target}/ && sha256sum -c --quiet -- {manifests}/"$cur" 2>/dev/null) '
            "| sed -n 's/: FAILED.*$//p'; fi"
        )
    return "\n".join(parts) + "\n"


def parse_verify(text: str, count: int) -> list[set[str]]:
    """The drifted files of each tree."""
    drifted: list[set[str]] = [set() for _ in range(count)]
    current: set[str] | None = None
    for line in text.splitlines():
        if line.startswith("#verify "):
            current = drifted[int(line.split()[1])]
        elif current is not None and line:
            current.add(line)
    return drifted


def parse_state(text: str, count: int) -> HostState:
    """The trees' states, the tools the host lacks, and whether a refresh is owed."""
    trees = [RemoteTree("absent") for _ in range(count)]
    missing: list[str] = []
    pending = False
    identity = ""
    current: RemoteTree | None = None
    for line in text.splitlines():
        if line == "#refresh-pending" and current is None:
            pending = True
        elif line.startswith("#identity ") and current is None:
            identity = line.split(" ", 1)[1].strip()
        elif line.startswith("#missing "):
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
    return HostState(trees, missing, pending, identity)


def fail(message: str, code: int) -> str:
    """Shell that prints `message` (quoted: it may hold a hostile path) and exits."""
    return f"{{ printf '%s\\n' {quote(message)} >&2; exit {code}; }}"


def guard(store_dirs: list[str], lock: str) -> list[str]:
    """Shell that refuses a store whose directories are links, not owned by this user, or
    writable by others, and a lock that is a link: nothing below is ever followed."""
    lines = []
    for directory in store_dirs:
        d = quote(directory)
        lines += [
            f"[ ! -L {d} ] || {fail(f'{directory} is a symbolic link; pyherd follows none', 3)}",
            f"mkdir -p -m 755 -- {d}",
            f"[ -O {d} ] || {fail(f'{directory} is not owned by the deploying user', 3)}",
            f'[ -z "$(find {d} -maxdepth 0 -perm /022)" ] || '
            + fail(f"{directory} is writable by group or others", 3),
        ]
    lines.append(f"[ ! -L {quote(lock)} ] || {fail(f'{lock} is a symbolic link', 3)}")
    return lines


def locked(tree: Tree, fd: int) -> list[str]:
    """Shell that checks the tree's store (guard) and takes its lock on `fd`; exit 75
    when another deploy holds it."""
    store = tree.store
    return [
        *guard([store.dir, store.releases, store.manifests], store.lock),
        f"exec {fd}>>{quote(store.lock)}",
        f"flock -n {fd} || {fail(f'another deploy is swapping {tree.remote}', 75)}",
    ]


def prepare(trees: list[Tree], first: Tree) -> str:
    """Make each store's directories (checked as guard() says) before anything is uploaded,
    and the identity token in the `first` tree's store (the modulefiles')."""
    lines = ["set -eu", "umask 022"]
    for tree in dict.fromkeys([first, *trees]):
        store = tree.store
        lines += guard([store.dir, store.releases, store.manifests, store.incoming], store.lock)
    identity = quote(first.store.identity)
    lines.append(
        f"[ -f {identity} ] || {{ od -An -tx1 -N16 /dev/urandom | tr -d ' \\n' "
        f"> {identity}.tmp && mv -f -- {identity}.tmp {identity}; }}"
    )
    return "\n".join(lines) + "\n"


def swap(archive: str, release: str, changed: list[Tree], expected: list[str]) -> str:
    """Unpack the uploaded archive into a new release of each changed tree, then point
    each tree's link at it; prune old releases. Exit 75: another deploy holds a lock, or
    changed a tree since this one read it (`expected`: each tree's release then, or ''),
    so a rerun recomputes from what is live and nothing is lost."""
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
        lines += locked(tree, fd)
        lines += [
            f"if [ -e {target} ] && [ ! -L {target} ]; then "
            + fail(f"{tree.remote} is a directory pyherd did not make; move it aside", 3)
            + "; fi",
            f"cur=$(readlink -- {target} || true); cur=${{cur##*/}}",
            f'[ "$cur" = {quote(expected[i])} ] || '
            + fail(f"{tree.remote} changed since this deploy read it; deploy again", 75),
            f"find {releases} -mindepth 1 -maxdepth 1 -name '*.tmp' -exec rm -rf -- {{}} +",
            f'new={releases}/"$id"',
            'mkdir -- "$new.tmp"',
            f'if [ -L {target} ] && [ -d {target}/ ]; then cp -al -- {target}/. "$new.tmp"/; fi',
            # a link to a directory in the release would turn the rm and cp below into
            # writes through it: refuse the release instead
            'linked=$(find "$new.tmp" -type l -exec test -d {} \\; -print | head -n 1)',
            '[ -z "$linked" ] || { printf \'%s is a link to a directory; pyherd writes through '
            'none\\n\' "${linked#"$new.tmp"/}" >&2; exit 3; }',
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


def rollback(trees: list[Tree]) -> str:
    """Point each tree's link back at the release before its current one (kept by the
    prune), under the tree's lock; prints '#rolled-back N CUR PREV' or '#no-previous N'."""
    lines = ["set -eu"]
    for i, tree in enumerate(trees):
        fd = 3 + i
        target, store = quote(tree.remote), tree.store
        releases, manifests = quote(store.releases), quote(store.manifests)
        lines += [f"if [ -L {target} ]; then"]
        lines += ["  " + line for line in locked(tree, fd)]
        lines += [
            f"  cur=$(readlink -- {target}); cur=${{cur##*/}}",
            f"  prev=$(ls -1 {releases} | grep -v '\\.tmp$' | sort | grep -B1 -x -- \"$cur\" "
            "| head -n 1)",
            f'  if [ -n "$prev" ] && [ "$prev" != "$cur" ] && [ -f {manifests}/"$prev" ]; then',
            f"    rm -f -- {quote(store.link_temp)}",
            f'    ln -s -- {quote(store.link_prefix)}"$prev" {quote(store.link_temp)}',
            f"    mv -T -- {quote(store.link_temp)} {target}",
            f'    printf \'#rolled-back {i} %s %s\\n\' "$cur" "$prev"',
            f"  else printf '#no-previous {i}\\n'; fi",
            "fi",
        ]
    return "\n".join(lines) + "\n"


def refresh(command: str, cache_dir: str, modulepath: str, pending: str) -> str:
    """Refresh Lmod's system spider cache; prints '#cache refreshed' or '#cache skipped ...'.

    The owed refresh is recorded first (`pending`) and cleared only once it worked, so a
    failed one is retried by the next deploy even when nothing else changed."""
    cmd, directory, marker = quote(command), quote(cache_dir), quote(pending)
    skipped = quote(f"#cache skipped: {command} not found")
    return (
        f": > {marker}\n"
        f"if command -v {cmd} >/dev/null 2>&1; then "
        f"mkdir -p {directory} && {cmd} -d {directory} -t {directory}/timestamp "
        f"{quote(modulepath)} 2>&1 >/dev/null && rm -f -- {marker} && echo '#cache refreshed'; "
        f"else rm -f -- {marker}; printf '%s\\n' {skipped}; fi\n"
    )


def next_release(states: list[RemoteTree], suffix: str) -> str:
    """r<counter>-<8 hex>: one past the newest release any tree of the host has."""
    return f"r{max((s.counter for s in states), default=0) + 1:06d}-{suffix}"
