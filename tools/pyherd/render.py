"""Render a SiteModel into file contents with the site's language's Jinja2 templates.

The site's module tool and language (pyherd.moduletools) say which templates, which
file names and which extra files; the site layout says where each file goes. Site
templates under sites/<site>/templates/ come first and may extend the project's.
"""

from __future__ import annotations

from pathlib import Path

import jinja2

from pyherd.conda.plan import TreePlan
from pyherd.layout import SiteLayout
from pyherd.model import SiteModel
from pyherd.moduletools import LANGUAGES, language, tool
from pyherd.site import Site
from pyherd.syntax import yaml
from pyherd.units import PARTS, Job, systemd_path


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
    env.filters["yaml"] = yaml
    for lang in LANGUAGES.values():
        env.filters.update(lang.filters())
    return env


def site_environment(site: Site, templates_dir: Path) -> jinja2.Environment:
    site_templates = site.source_dir / "templates" if site.source_dir else None
    return environment(templates_dir, site_templates)


def render_condarc(site: Site, plan: TreePlan, templates_dir: Path) -> str:
    """The .condarc a tree's base prefix gets (also committed for review)."""
    env = site_environment(site, templates_dir)
    return env.get_template("conda/condarc.j2").render(plan=plan, site=site)


def render_pip_confs(site: Site, templates_dir: Path) -> dict[str, str]:
    """The pip configuration of each wheelhouse arch, by its path under the wheelhouse root."""
    from pyherd.wheelhouse import layout as wl
    from pyherd.wheelhouse.catalog import search_order
    from pyherd.wheelhouse.plan import plan_wheelhouse

    if site.wheelhouse is None:
        return {}
    layout, config = plan_wheelhouse(site)
    template = site_environment(site, templates_dir).get_template("pip/pip.conf.j2")
    return {
        wl.pip_conf(arch): template.render(
            site=site, wheelhouse=site.wheelhouse, arch=arch, search=search_order(arch),
            index_url=layout.index_url(arch),
            extra_index_urls=site.wheelhouse.extra_index_urls,
            find_links=layout.find_links_url(arch),
        )
        for arch in config.archs
    }  # fmt: skip


def render_units(site: Site, job: Job, templates_dir: Path) -> dict[str, str]:
    """The autoupdate job's crontab line, systemd service and timer, by part name."""
    env = site_environment(site, templates_dir)
    env.filters["systemd_path"] = systemd_path
    return {
        name: env.get_template(f"autoupdate/{template}").render(job=job, site=site)
        for name, template in PARTS.items()
    }


def render_site(
    site: Site, model: SiteModel, templates_dir: Path, trees: tuple[TreePlan, ...] = ()
) -> dict[str, str]:
    """Every file of the site, relative to the output root, with its text."""
    env = site_environment(site, templates_dir)
    layout = SiteLayout(site.name)
    lang = language(site.syntax)
    files: dict[str, str] = {}
    module_t = env.get_template(lang.module_template)
    for spec in model.modules:
        files[layout.module_file(spec.path, lang.extension)] = module_t.render(
            module=spec, site=site
        )
    for rc in model.rcs:
        name, template = lang.rc_file(rc)
        files[layout.in_tree(rc.directory, name)] = env.get_template(template).render(
            rc=rc, site=site
        )
    for shared in model.shared:
        files[layout.in_tree(shared.path)] = env.get_template(lang.shared_template).render(
            shared=shared, site=site
        )
    for plan in trees:
        files[layout.condarc(plan.tree)] = env.get_template("conda/condarc.j2").render(
            plan=plan, site=site
        )
    for rel, text in render_pip_confs(site, templates_dir).items():
        files[layout.config(rel)] = text
    for name, template in tool(site.module_tool).config_files(site).items():
        files[layout.config(name)] = env.get_template(template).render(site=site)
    return files
