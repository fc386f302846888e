"""Module tools as plug-ins: every operation spelled by every language, each tool's own rules,
and errors that always carry their exit code."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import pyherd
from conftest import TEMPLATES, make_sites, render_sites, run_pyherd
from pyherd import model as m
from pyherd.build.stages import build_site
from pyherd.errors import ConfigError, PyherdError
from pyherd.moduletools import LANGUAGES, TOOLS
from pyherd.moduletools.envmodules import EnvironmentModules
from pyherd.render import environment, render_site
from pyherd.site import Site
from pyherd.sitefiles import load_site

EVERY_OP = (
    m.Family("fam"),
    m.Conflict(("other",)),
    m.IncludeShared(".shared.tcl"),
    m.DependsOn("dep/1"),
    m.Property("type_", "tools"),
    m.UseLevel(3, "Compiler/all/1"),
    m.PinLink(m.Pinned("ALL_PIN", ("/opt/tree/current",))),
    m.SetEnv("ALL_SET", ("v",)),
    m.UnsetEnv("ALL_UNSET"),
    m.PrependPath("ALL_PRE", ("/p",)),
    m.PrependPathIfDir("ALL_PRE_DIR", ("/d",)),
    m.AppendPath("ALL_APP", ("/a",)),
    m.Alias("allalias", ("echo x",)),
    m.ShellFunction("allfn", "echo y"),
    m.SourceScript("bash", ("/etc/profile.d/all.sh",), optional=True),
    m.Extensions((("numpy", "2.1.1"),)),
    m.Whatis("Description: all of them"),
    m.Help("help text"),
    m.LoadMessage("a message"),
    m.Deprecation("all is deprecated"),
    m.Expiry("2030-01-01", "all expired"),
)


def test_the_example_module_holds_one_operation_of_every_kind():
    assert sorted(type(op).__name__ for op in EVERY_OP) == sorted(c.__name__ for c in m.OPS)


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_every_operation_kind_has_a_macro_in_every_language(lang):
    language = LANGUAGES[lang]
    ops = environment(TEMPLATES, None).get_template(language.ops_template).module
    spelled = [cls for cls in m.OPS if language.spells(cls)]
    missing = [cls.kind for cls in spelled if not callable(getattr(ops, cls.kind, None))]
    assert missing == [], f"{language.ops_template} lacks macros for {missing}"


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_a_module_with_every_operation_renders_each_one(lang):
    spelled = tuple(op for op in EVERY_OP if LANGUAGES[lang].spells(type(op)))
    spec = m.ModuleSpec("all", "all/1", "generic", "1", "all/1", (), None, spelled)
    tool = next(t for t in TOOLS.values() if lang in t.languages)
    site = Site(name="q", file="q.yaml", module_tool=tool.name, syntax=lang, naming="flat")
    text = next(iter(render_site(site, m.SiteModel(modules=(spec,)), TEMPLATES).values()))
    for needle in ("fam", "other", "dep/1", "ALL_SET", "ALL_UNSET", "ALL_PRE", "ALL_PRE_DIR",
                   "ALL_APP", "allalias", "allfn", "all.sh", "numpy", "all of them", "help text",
                   "a message", "Compiler/all/1", "all is deprecated", "all expired",
                   "2030-01-01"):  # fmt: skip
        assert needle in text, (needle, text)


def test_a_language_its_tool_cannot_read_is_refused(tmp_path):
    make_sites(tmp_path, t="module_tool: environment-modules\nsyntax: lua\nmodules: {}\n")
    result = run_pyherd("render", "--out", "out", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == (
        "sites/t.yaml:2: syntax: Environment Modules reads tcl modulefiles, not lua"
    )
    assert not (tmp_path / "out").exists()


def test_a_tcl_tree_under_lmod_gets_tcl_files_and_lmod_loads_them(tmp_path, lmod):
    make_sites(
        tmp_path,
        lt="module_tool: lmod\nsyntax: tcl\nmodules:\n  tool:\n    prefix: /opt/tool\n"
        "    extensions: {numpy: 2.1.1}\n    default: '2'\n    versions: ['1', '2']\n",
    )
    tree = render_sites(tmp_path, "lt") / "lt"
    assert sorted(p.name for p in (tree / "tool").iterdir()) == [".version", "1", "2"]
    result = lmod.run("module load tool && module -t list && module whatis tool", [tree])
    assert result.returncode == 0, result.stderr
    assert "tool/2" in result.stderr.split()
    assert "Extensions: numpy-2.1.1" in result.stderr


def _pyherd_modules() -> list[str]:
    return [
        info.name
        for info in pkgutil.walk_packages(pyherd.__path__, "pyherd.")
        if info.name != "pyherd.__main__"
    ]


def test_every_error_pyherd_defines_carries_an_exit_code():
    """Whoever catches it, the CLI maps it to 1, 2 or 75: no error class escapes the scheme."""
    loose = []
    for name in _pyherd_modules():
        module = importlib.import_module(name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == name and issubclass(cls, BaseException):
                if not issubclass(cls, PyherdError):
                    loose.append(f"{name}.{cls.__name__}")
                elif cls.exit_code not in (1, 2, 75):
                    loose.append(f"{name}.{cls.__name__}: exit {cls.exit_code}")
    assert loose == []


def test_a_third_tool_is_one_plugin_registered_by_name(tmp_path, monkeypatch, modulecmd):
    """A tool registered by name is at once a valid `module_tool`: sites using it validate,
    build and render in its language, and what it cannot do is refused by name."""

    class Classic(EnvironmentModules):  # Tcl like Environment Modules, but without hiding
        name = "classic"
        title = "Classic Modules"
        features = frozenset({"source_sh", "family", "shell_function"})

    monkeypatch.setitem(TOOLS, "classic", Classic())
    monkeypatch.chdir(tmp_path)  # messages name sites/ as the admin's shell would
    sites = make_sites(
        tmp_path,
        c="module_tool: classic\nmodules:\n  tool:\n    prefix: /opt/tool\n"
        "    env: {set: {TOOL_HOME: '{prefix}'}}\n    versions: ['1']\n",
        d="module_tool: classic\nmodules:\n  tool:\n    versions: [{version: '1', hidden: true}]\n",
    )
    site = load_site(sites, "c")
    assert site.syntax == "tcl"
    files = render_site(site, build_site(site), TEMPLATES)
    for rel, text in files.items():
        (tmp_path / "out" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "out" / rel).write_text(text)
    result = modulecmd.run("module load tool && echo $TOOL_HOME", [tmp_path / "out/c"])
    assert result.stdout == "/opt/tool\n", result.stderr
    with pytest.raises(ConfigError) as refused:
        build_site(load_site(sites, "d"))
    assert str(refused.value) == (
        "sites/d.yaml:4: modules.tool.versions[0]: hidden versions need Lmod or Environment "
        "Modules (module_tool: lmod | environment-modules)"
    )
