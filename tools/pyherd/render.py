"""Render a SiteModel into file contents with the Lua or Tcl Jinja2 templates."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import Path

import jinja2

from pyherd.conda.plan import TreePlan
from pyherd.model import SiteModel
from pyherd.site import Site
from pyherd.syntax import FILTERS

EXTENSION = {"lua": ".lua", "tcl": ""}


@dataclass(frozen=True)
class Layout:
    """Where a site's files go under the output root (default `modulefiles/`)."""

    site: str

    @property
    def modulepath(self) -> str:
        return self.site

    @property
    def config_dir(self) -> str:
        return f"etc/{self.site}"

    @property
    def manifest(self) -> str:
        return f"{self.config_dir}/manifest.txt"


def environment(templates_dir: Path, site_templates: Path | None) -> jinja2.Environment:
    """Site templates first (they may `{% extends "base/..." %}`), then the project's."""
    base = jinja2.FileSystemLoader(str(templates_dir))
    loaders: list[jinja2.BaseLoader] = []
    if site_templates is not None and site_templates.is_dir():
        loaders.append(jinja2.FileSystemLoader(str(site_templates)))
    loaders.append(base)
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader([jinja2.PrefixLoader({"base": base}), *loaders]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
    )
    env.filters.update(FILTERS)
    return env


def site_environment(site: Site, templates_dir: Path) -> jinja2.Environment:
    site_templates = site.source_dir / "templates" if site.source_dir else None
    return environment(templates_dir, site_templates)


def render_condarc(site: Site, plan: TreePlan, templates_dir: Path) -> str:
    """The .condarc a tree's base prefix gets (also committed for review)."""
    env = site_environment(site, templates_dir)
    return env.get_template("conda/condarc.j2").render(plan=plan, site=site)


def render_pip_confs(site: Site, templates_dir: Path) -> dict[str, str]:
    """The pip configuration of each wheelhouse arch, by path under the root: pip/<arch>.conf."""
    from pyherd.wheelhouse.catalog import search_order
    from pyherd.wheelhouse.plan import plan_wheelhouse

    if site.wheelhouse is None:
        return {}
    root, config = plan_wheelhouse(site)
    template = site_environment(site, templates_dir).get_template("pip/pip.conf.j2")
    return {
        f"pip/{arch}.conf": template.render(
            site=site, wheelhouse=site.wheelhouse, arch=arch, search=search_order(arch),
            index_url=(root / "simple" / arch).as_uri() + "/",
            extra_index_urls=site.wheelhouse.extra_index_urls,
            find_links=(root / ("generic" if arch == "generic" else f"find-links/{arch}")).as_uri(),
        )
        for arch in config.archs
    }  # fmt: skip


def render_site(
    site: Site, model: SiteModel, templates_dir: Path, trees: tuple[TreePlan, ...] = ()
) -> dict[str, str]:
    """Every file of the site, relative to the output root, with its text."""
    env = site_environment(site, templates_dir)
    layout = Layout(site.name)
    lang = site.syntax
    folder = "lmod" if lang == "lua" else "tcl"
    files: dict[str, str] = {}
    module_t = env.get_template(f"{folder}/module.{lang}.j2")
    for spec in model.modules:
        rel = posixpath.join(layout.modulepath, spec.path + EXTENSION[lang])
        files[rel] = module_t.render(module=spec, site=site)
    for rc in model.rcs:
        directory = posixpath.join(layout.modulepath, rc.directory)
        if lang == "lua":
            files[f"{directory}/.modulerc.lua"] = env.get_template("lmod/modulerc.lua.j2").render(
                rc=rc, site=site
            )
        elif rc.aliases or rc.hidden:
            files[f"{directory}/.modulerc"] = env.get_template("tcl/modulerc.tcl.j2").render(
                rc=rc, site=site
            )
        else:
            files[f"{directory}/.version"] = env.get_template("tcl/version.tcl.j2").render(
                rc=rc, site=site
            )
    for shared in model.shared:
        rel = posixpath.join(layout.modulepath, shared.path)
        files[rel] = env.get_template("tcl/conflicts.tcl.j2").render(shared=shared, site=site)
    for plan in trees:
        files[f"{layout.config_dir}/conda/{plan.tree}.condarc"] = env.get_template(
            "conda/condarc.j2"
        ).render(plan=plan, site=site)
    for rel, text in render_pip_confs(site, templates_dir).items():
        files[f"{layout.config_dir}/{rel}"] = text
    if site.properties:
        files[f"{layout.config_dir}/lmodrc.lua"] = env.get_template("lmod/lmodrc.lua.j2").render(
            site=site
        )
    return files
