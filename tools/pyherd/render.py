"""Render a SiteModel into file contents with the site's language's Jinja2 templates.

The site's module tool and language (pyherd.moduletools) say which templates, which
file names and which extra files; the site layout says where each file goes. Site
templates under sites/<site>/templates/ come first and may extend the project's.

Site templates arrive in pull requests, so every template runs in Jinja2's immutable
sandbox (no attribute starting with `_`, no mutating calls: a template cannot reach
Python), an undefined name is an error, and any template error is bad input located
at its template's file and line. An override's block that its parent lacks is refused
(it would be silently ignored).
"""

from __future__ import annotations

import contextlib
import os
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import jinja2
import jinja2.nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from pyherd.conda.plan import TreePlan
from pyherd.errors import ConfigError, Problem
from pyherd.installed import RECORD, record_text
from pyherd.layout import SiteLayout
from pyherd.model import SiteModel
from pyherd.moduletools import LANGUAGES, language, tool
from pyherd.site import Site
from pyherd.syntax import yaml
from pyherd.units import PARTS, Job, systemd_path


class Sandbox(ImmutableSandboxedEnvironment):
    """Jinja2's immutable sandbox, its attribute verdicts cached: they depend only on the
    object's type and the attribute's name, and a render asks 200,000 times."""

    _verdicts: ClassVar[dict[tuple[type, str], bool]] = {}

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        key = (type(obj), attr)
        verdict = self._verdicts.get(key)
        if verdict is None:
            verdict = self._verdicts[key] = super().is_safe_attribute(obj, attr, value)
        return verdict


def environment(templates_dir: Path, site_templates: Path | None) -> jinja2.Environment:
    """Site templates first (they may `{% extends "base/..." %}`), then the project's."""
    base = jinja2.FileSystemLoader(str(templates_dir))
    loaders: list[jinja2.BaseLoader] = []
    if site_templates is not None and site_templates.is_dir():
        loaders.append(jinja2.FileSystemLoader(str(site_templates)))
    loaders.append(base)
    env = Sandbox(
        loader=jinja2.ChoiceLoader([jinja2.PrefixLoader({"base": base}), *loaders]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
    )
    env.filters["yaml"] = yaml
    env.filters["sh"] = shlex.quote  # POSIX sh words (profile.d snippets)
    for lang in LANGUAGES.values():
        env.filters.update(lang.filters())
    return env


def site_environment(site: Site, templates_dir: Path) -> jinja2.Environment:
    site_templates = site.source_dir / "templates" if site.source_dir else None
    env = environment(templates_dir, site_templates)
    if site_templates is not None and site_templates.is_dir():
        with located_errors():
            check_overrides(env, site_templates)
    return env


def check_overrides(env: jinja2.Environment, site_templates: Path) -> None:
    """Every block an override fills must exist in the template it extends."""
    problems = []
    templates: list[Path] = []
    for directory, subdirs, names in os.walk(site_templates):
        for name in [*subdirs, *names]:
            path = Path(directory) / name
            if path.is_symlink():
                problems.append(
                    Problem(_display(str(path)), None, "", "is a symbolic link; site templates "
                            "are read only from the site's own files")
                )  # fmt: skip
            elif name in names and name.endswith(".j2"):
                templates.append(path)
    if site_templates.is_symlink():
        problems.append(Problem(_display(str(site_templates)), None, "", "is a symbolic link"))
    if problems:
        raise ConfigError(problems)
    for path in sorted(templates):
        source = path.read_text(encoding="utf-8")
        tree = env.parse(source, path.name, str(path))
        parent = next(tree.find_all(jinja2.nodes.Extends), None)
        if parent is None or not isinstance(parent.template, jinja2.nodes.Const):
            continue
        known = env.get_template(parent.template.value).blocks
        for block in tree.find_all(jinja2.nodes.Block):
            if block.name not in known:
                names = ", ".join(sorted(known)) or "none"
                problems.append(
                    Problem(
                        _display(str(path)),
                        block.lineno,
                        "",
                        f"block {block.name!r} is not in {parent.template.value} "
                        f"(its blocks: {names})",
                    )
                )
    if problems:
        raise ConfigError(problems)


@contextlib.contextmanager
def located_errors() -> Iterator[None]:
    """Turn a Jinja2 error (syntax, undefined name, sandbox refusal) into bad input at
    the template's file and line."""
    try:
        yield
    except jinja2.TemplateSyntaxError as exc:
        where = _display(exc.filename or exc.name or "template")
        raise ConfigError(Problem(where, exc.lineno, "", f"template: {exc.message}")) from None
    except jinja2.TemplateNotFound as exc:
        raise ConfigError(f"template not found: {exc.name}") from None
    except jinja2.TemplateError as exc:
        file, line = _template_frame(exc)
        raise ConfigError(Problem(file, line, "", f"template: {exc.message}")) from None


def _template_frame(exc: BaseException) -> tuple[str, int | None]:
    """The innermost template file and line in a rendering error's traceback."""
    found: tuple[str, int | None] = ("template", None)
    tb = exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.endswith(".j2"):
            found = (_display(name), tb.tb_lineno)
        tb = tb.tb_next
    return found


def _display(name: str) -> str:
    with contextlib.suppress(ValueError):
        return os.path.relpath(name) if os.path.isabs(name) else name
    return name


@located_errors()
def render_condarc(site: Site, plan: TreePlan, templates_dir: Path) -> str:
    """The .condarc a tree's base prefix gets (also committed for review)."""
    env = site_environment(site, templates_dir)
    return env.get_template("conda/condarc.j2").render(plan=plan, site=site)


@located_errors()
def render_pip_confs(site: Site, templates_dir: Path) -> dict[str, str]:
    """The pip configuration of each wheelhouse arch, by its path under the wheelhouse root."""
    from pyherd.wheelhouse import layout as wl
    from pyherd.wheelhouse.plan import plan_wheelhouse

    if site.wheelhouse is None:
        return {}
    layout, config = plan_wheelhouse(site)
    template = site_environment(site, templates_dir).get_template("pip/pip.conf.j2")
    return {
        wl.pip_conf(arch): template.render(
            site=site, wheelhouse=site.wheelhouse, arch=arch, search=config.search[arch],
            index_url=layout.index_url(arch),
            extra_index_urls=site.wheelhouse.extra_index_urls,
            find_links=layout.find_links_url(arch),
        )
        for arch in config.archs
    }  # fmt: skip


@located_errors()
def render_units(site: Site, job: Job, templates_dir: Path) -> dict[str, str]:
    """The autoupdate job's crontab line, systemd service and timer, by part name."""
    env = site_environment(site, templates_dir)
    env.filters["systemd_path"] = systemd_path
    return {
        name: env.get_template(f"autoupdate/{template}").render(job=job, site=site)
        for name, template in PARTS.items()
    }


@located_errors()
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
    if model.installed:
        files[layout.config(RECORD)] = record_text(site.name, dict(model.installed))
    configs = tool(site.module_tool).config_files(site, model)
    for name, template in configs.items():
        files[layout.config(name)] = env.get_template(template).render(
            site=site, model=model, files=configs
        )
    return files
