"""Where a requirement's sdist (or, for only_binary, its wheel) comes from.

Sources are searched in the site's order: directories of sdists and wheels
(offline builds) and PEP 503 simple indexes (pypi, a mirror, a file:// index).
The newest version that the requirement and the constraints allow wins; for one
version the earlier source wins. The choice is made from file names alone, so
deciding that a wheel is already built costs no build.
"""

from __future__ import annotations

import hashlib
import html.parser
import os
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from pyherd.errors import JobFailed
from pyherd.wheelhouse.catalog import BadWheelName, covers, from_filename, normalize

SDIST_SUFFIXES = (".tar.gz", ".zip")


class SourceError(JobFailed):
    """A source cannot be read, or does not have what a requirement asks for."""


@dataclass(frozen=True)
class Candidate:
    filename: str
    version: Version
    location: str  # an absolute path or a URL
    sha256: str | None = None

    @property
    def is_wheel(self) -> bool:
        return self.filename.endswith(".whl")


class Sources:
    """The site's sources; directory listings are read once per run."""

    def __init__(self, sources: tuple[str, ...]):
        self.sources = sources
        self._listings: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    def candidates(self, project: str) -> list[Candidate]:
        found: list[Candidate] = []
        for source in self.sources:
            if source.startswith("/"):
                found += [
                    c
                    for name in self._listing(source)
                    if (c := _candidate(name, project, os.path.join(source, name)))
                ]
            else:
                found += _index_candidates(source, project)
        return found

    def choose(
        self,
        project: str,
        specifier: SpecifierSet,
        python: tuple[int, int],
        *,
        wheel: bool = False,
    ) -> Candidate | None:
        """The newest allowed sdist (wheel=True: a wheel this Python installs).

        Pre-releases only when the specifier names one or nothing else matches, as pip does.
        """
        eligible = [
            c
            for c in self.candidates(project)
            if c.is_wheel == wheel and (not wheel or _installs(c.filename, python))
        ]
        allowed = set(specifier.filter({c.version for c in eligible}))
        best: Candidate | None = None
        for cand in eligible:  # sources in order: for one version, the first source wins
            if cand.version in allowed and (best is None or cand.version > best.version):
                best = cand
        return best

    def _listing(self, directory: str) -> list[str]:
        with self._lock:
            if directory not in self._listings:
                self._listings[directory] = sorted(os.listdir(directory))
            return self._listings[directory]


def fetch(cand: Candidate, dest: Path) -> Path:
    """A local path to the candidate's file (downloaded into `dest` for URLs, sha256 checked)."""
    if cand.location.startswith("/"):
        return Path(cand.location)
    target = dest / cand.filename
    dest.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    try:
        with (
            urllib.request.urlopen(cand.location, timeout=120) as response,
            target.open("wb") as fh,
        ):
            while block := response.read(1 << 20):
                digest.update(block)
                fh.write(block)
    except (OSError, urllib.error.URLError) as exc:
        raise SourceError(f"{cand.location}: download failed: {exc}") from None
    if cand.sha256 and digest.hexdigest() != cand.sha256:
        target.unlink()
        raise SourceError(f"{cand.location}: sha256 mismatch (the index says {cand.sha256})")
    return target


def _candidate(
    filename: str, project: str, location: str, sha: str | None = None
) -> Candidate | None:
    if filename.endswith(".whl"):
        try:
            row = from_filename(filename, "")
        except BadWheelName:
            return None
        if normalize(row.name) != project:
            return None
        version = row.version + (f"+{row.localversion}" if row.localversion else "")
    elif filename.endswith(SDIST_SUFFIXES):
        stem = filename.removesuffix(".tar.gz").removesuffix(".zip")
        cuts = [i for i, c in enumerate(stem) if c == "-" and normalize(stem[:i]) == project]
        version = stem[cuts[0] + 1 :] if cuts else ""
        if not version:
            return None
    else:
        return None
    try:
        return Candidate(filename, Version(version), location, sha)
    except InvalidVersion:
        return None


def _installs(filename: str, python: tuple[int, int]) -> bool:
    row = from_filename(filename, "")
    machine = os.uname().machine
    platform_ok = row.platform == "any" or any(
        p.endswith(f"_{machine}") and p.startswith(("linux", "manylinux"))
        for p in row.platform.split(".")
    )
    return platform_ok and covers(row, python)


class _Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, bool]] = []  # href, yanked

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            values = dict(attrs)
            if values.get("href"):
                self.links.append((str(values["href"]), "data-yanked" in values))


def _index_candidates(base: str, project: str) -> list[Candidate]:
    url = base.rstrip("/") + f"/{project}/"
    fetch_url = url + "index.html" if url.startswith("file://") else url
    request = urllib.request.Request(fetch_url, headers={"Accept": "text/html"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            text = response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return []
        raise SourceError(f"{url}: HTTP {exc.code}") from None
    except FileNotFoundError:
        return []
    except (OSError, urllib.error.URLError) as exc:
        raise SourceError(f"{url}: {getattr(exc, 'reason', exc)}") from None
    parser = _Links()
    parser.feed(text)
    found = []
    for href, yanked in parser.links:
        if yanked:
            continue
        absolute = urllib.parse.urljoin(url, href)
        address, _, fragment = absolute.partition("#")
        filename = urllib.parse.unquote(address.rsplit("/", 1)[-1])
        sha = fragment.removeprefix("sha256=") if fragment.startswith("sha256=") else None
        if address.startswith("file://"):
            address = urllib.request.url2pathname(urllib.parse.urlparse(address).path)
        if cand := _candidate(filename, project, address, sha):
            found.append(cand)
    return found
