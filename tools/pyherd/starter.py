"""The files `pyherd init` starts a site repository with, rendered from templates/init/.

A starter site that validates, renders and loads as it is; `.gitignore`; a pre-commit
configuration and CI workflows (GitHub Actions, GitLab CI) that run validate,
`render --check` and lint with the site's module tool; a README for that repository.
"""

from __future__ import annotations

from pathlib import Path

import jinja2

from pyherd import __version__
from pyherd.moduletools import tool as module_tool

# path in the new repository: its template under templates/init/
FILES = {
    "sites/{name}.yaml": "site.yaml.j2",
    ".gitignore": "gitignore.j2",
    ".pre-commit-config.yaml": "pre-commit-config.yaml.j2",
    ".github/workflows/pyherd.yml": "github-workflow.yml.j2",
    ".gitlab-ci.yml": "gitlab-ci.yml.j2",
    "README.md": "README.md.j2",
}
# what CI installs to get each module tool on Debian and Ubuntu
PACKAGES = {"lmod": "lmod", "environment-modules": "environment-modules"}


def starter_files(templates: Path, name: str, tool: str) -> dict[str, str]:
    """{path in the repository: text} for a site `name` (already checked) on `tool`."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates / "init")),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    values = {
        "name": name,
        "tool": tool,
        "tool_title": module_tool(tool).title,
        "packages": PACKAGES[tool],
        "version": __version__,
    }
    return {
        path.format(name=name): env.get_template(template).render(values)
        for path, template in FILES.items()
    }
