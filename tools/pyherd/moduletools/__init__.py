"""Module tools as plug-ins, by name: Lmod and Environment Modules, and their languages.

A third tool is one module here (a ModuleTool, and a Language if it brings one) plus
its templates, and one entry in each table below.
"""

from __future__ import annotations

from pyherd.moduletools import envmodules, lmod
from pyherd.moduletools.base import Language, ModuleTool, needs

TOOLS: dict[str, ModuleTool] = {t.name: t for t in (lmod.TOOL, envmodules.TOOL)}
LANGUAGES: dict[str, Language] = {lang.name: lang for lang in (lmod.LUA, envmodules.TCL)}


def tool(name: str) -> ModuleTool:
    return TOOLS[name]


def language(name: str) -> Language:
    return LANGUAGES[name]


def having(feature: str) -> list[ModuleTool]:
    """The tools that can do `feature`, in registry order."""
    return [t for t in TOOLS.values() if t.supports(feature)]


def refusal(feature: str) -> str:
    """What a site whose tool lacks `feature` is told: which tools have it."""
    return needs(feature, having(feature))
