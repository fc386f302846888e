"""Give a wheel the site's local version tag: 1.26.4 -> 1.26.4+computecanada.

The file name, the .dist-info (and .data) directory names, METADATA's Version
and RECORD (paths and hashes) all change together, so pip installs the result
and `pip show` reports the tagged version. Entries keep their order, dates and
permissions; nothing else in the wheel changes.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
import zipfile
from pathlib import Path

from pyherd.errors import JobFailed
from pyherd.wheelhouse.catalog import from_filename


class RetagError(JobFailed):
    """The wheel cannot be given the local tag (its RECORD or METADATA is not as pip writes)."""


def tagged_version(version: str, tag: str) -> str:
    """1.0 -> 1.0+tag; 1.0+cpu -> 1.0+cpu.tag; a version already carrying the tag is kept."""
    public, _, local = version.partition("+")
    if tag in local.split("."):
        return version
    return f"{public}+{local}.{tag}" if local else f"{public}+{tag}"


def add_local_tag(wheel: Path, tag: str, dest: Path) -> Path:
    """Write the tagged copy of `wheel` into directory `dest`; return its path."""
    row = from_filename(wheel.name, "")
    version = row.version + (f"+{row.localversion}" if row.localversion else "")
    new_version = tagged_version(version, tag)
    dist, _, rest = wheel.name.partition(f"-{version}-")
    target = dest / f"{dist}-{new_version}-{rest}"
    if new_version == version:
        target.write_bytes(wheel.read_bytes())
        return target
    with zipfile.ZipFile(wheel) as src:
        infos = src.infolist()
        info_dirs = {
            i.filename.split("/", 1)[0]
            for i in infos
            if re.fullmatch(r"[^/]+\.dist-info/METADATA", i.filename)
        }
        if len(info_dirs) != 1:
            raise RetagError(f"{wheel.name}: expected one *.dist-info/METADATA")
        old_info = info_dirs.pop()
        stem = old_info.removesuffix(".dist-info")
        dist_name = stem.rsplit("-", 1)[0]
        renames = {
            f"{stem}.dist-info/": f"{dist_name}-{new_version}.dist-info/",
            f"{stem}.data/": f"{dist_name}-{new_version}.data/",
        }
        record_name = f"{renames[old_info + '/']}RECORD"
        entries: list[tuple[zipfile.ZipInfo, bytes]] = []
        for info in infos:
            name = _renamed(info.filename, renames)
            if name == record_name:
                continue
            data = src.read(info.filename)
            if name == f"{renames[old_info + '/']}METADATA":
                data = _set_version(data, new_version)
            clone = zipfile.ZipInfo(name, info.date_time)
            clone.compress_type = info.compress_type
            clone.external_attr = info.external_attr
            clone.create_system = info.create_system
            entries.append((clone, data))
    lines = io.StringIO()
    writer = csv.writer(lines, lineterminator="\n")
    for info, data in entries:
        if not info.filename.endswith("/"):
            writer.writerow([info.filename, _hash(data), len(data)])
    writer.writerow([record_name, "", ""])
    record = lines.getvalue()
    record_info = zipfile.ZipInfo(record_name, infos[-1].date_time)
    record_info.compress_type = zipfile.ZIP_DEFLATED
    record_info.external_attr = 0o644 << 16
    with zipfile.ZipFile(target, "w") as out:
        for info, data in entries:
            out.writestr(info, data)
        out.writestr(record_info, record)
    return target


def _renamed(name: str, renames: dict[str, str]) -> str:
    for old, new in renames.items():
        if name.startswith(old):
            return new + name[len(old) :]
    return name


def _set_version(metadata: bytes, version: str) -> bytes:
    text = metadata.decode("utf-8")
    new, count = re.subn(r"(?m)^Version: .*$", f"Version: {version}", text, count=1)
    if not count:
        raise RetagError("METADATA has no Version header")
    return new.encode("utf-8")


def _hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + digest.decode()
