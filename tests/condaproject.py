"""A throwaway project for tree tests: sites/s.yaml whose tree `main` installs under root/."""

from __future__ import annotations

import os
from pathlib import Path

from condachannel import Channel
from conftest import TEMPLATES, run_pyherd

TEMPLATES = str(TEMPLATES)


def site_yaml(root: Path, channel: str, tool: str = "lmod", **tree: str) -> str:
    checks = tree.get("checks", '[\'python -c "import numpy"\', "conda --version"]')
    extra = tree.get("extra", "")
    conda_extra = tree.get("conda_extra", "")
    return f"""\
module_tool: {tool}
conda:
  root: {root}
  channels: ["{channel}"]
{conda_extra}
  trees:
    main:
      packages: {tree.get("packages", '["python=3.11", numpy, bigdata]')}
      checks: {checks}
      keep: {tree.get("keep", "3")}
      min_age_days: {tree.get("min_age_days", "8")}
      envs:
        py2:
          packages: ["python=2.7"]
{extra}
modules:
  conda:
    kind: conda
    module: "conda/{{version}}"
    tree: main
    versions: ["1"]
"""


class Project:
    """A sites/ dir with one site `s` whose tree `main` installs under root/."""

    def __init__(self, tmp: Path, channel: Channel, tool: str = "lmod", **tree: str):
        self.dir = tmp
        self.root = tmp / "root"
        self.tree = self.root / "main"
        (tmp / "sites").mkdir(parents=True, exist_ok=True)
        self.write(channel.url, tool, **tree)

    def write(self, channel_url: str, tool: str = "lmod", **tree: str) -> None:
        (self.dir / "sites" / "s.yaml").write_text(site_yaml(self.root, channel_url, tool, **tree))

    def run(self, *args: str, env: dict[str, str] | None = None):
        return run_pyherd(*args, "--site", "s", "--templates", TEMPLATES, cwd=self.dir, env=env)

    def install(self, *extra: str, env: dict[str, str] | None = None):
        return self.run("install", "main", *extra, env=env)

    def autoupdate(self, *extra: str, env: dict[str, str] | None = None):
        return self.run("autoupdate", *extra, env=env)

    def current(self) -> str | None:
        link = self.tree / "current"
        return os.readlink(link) if link.is_symlink() else None

    def generation_ids(self) -> list[str]:
        gens = self.tree / "generations"
        return sorted(p.name for p in gens.iterdir()) if gens.is_dir() else []
