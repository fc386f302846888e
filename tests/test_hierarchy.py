"""naming: hierarchy with Core, Compiler and MPI levels, as EasyBuild's HierarchicalMNS
lays them out: a compiler's module opens its Compiler level, an MPI's its MPI level, and
under real Lmod swapping the compiler swaps everything built with it."""

from __future__ import annotations

import pytest

from conftest import TEMPLATES, lint_tmp, make_sites, override_footer, render_sites, run_pyherd
from pyherd.options import Paths
from pyherd.project import load_one, rendered
from pyherd.review import facts

SITE = """\
module_tool: {tool}
naming: hierarchy
hierarchy:
  compilers: [GCC]
  mpis: [OpenMPI]
modules:
  GCC:
    prefix: /opt/gcc/{{version}}
    versions: [12.3.0, 13.2.0]
  OpenMPI:
    prefix: /opt/openmpi/{{version}}
    versions:
      - {{version: 4.1.5, compiler: GCC/12.3.0}}
      - {{version: 4.1.6, compiler: GCC/13.2.0}}
  Python:
    kind: python
    prefix: /opt/python/{{version}}
    default: 3.11.5
    versions:
      - {{version: 3.11.3, compiler: GCC/12.3.0}}
      - {{version: 3.11.5, compiler: GCC/13.2.0}}
      - {{version: 3.12.1, compiler: GCC/13.2.0}}
  mpi4py:
    requires: [Python]
    prefix: /opt/mpi4py/{{version}}
    env: {{prepend: {{PYTHONPATH: "{{prefix}}/lib"}}}}
    versions:
      - {{version: 3.1.4, mpi: OpenMPI/4.1.5}}
      - {{version: 3.1.5, mpi: OpenMPI/4.1.6}}
"""


def tree(tmp_path, tool="lmod"):
    make_sites(tmp_path, h=SITE.format(tool=tool))
    return render_sites(tmp_path, "h") / "h"


def test_the_files_sit_in_their_levels(tmp_path):
    root = tree(tmp_path)
    found = sorted(str(p.relative_to(root)) for p in root.rglob("*.lua"))
    assert found == [
        "Compiler/GCC/12.3.0/OpenMPI/4.1.5.lua",
        "Compiler/GCC/12.3.0/Python/3.11.3.lua",
        "Compiler/GCC/13.2.0/OpenMPI/4.1.6.lua",
        "Compiler/GCC/13.2.0/Python/.modulerc.lua",  # Python's default at that level
        "Compiler/GCC/13.2.0/Python/3.11.5.lua",
        "Compiler/GCC/13.2.0/Python/3.12.1.lua",
        "Core/GCC/12.3.0.lua",
        "Core/GCC/13.2.0.lua",
        "MPI/GCC/12.3.0/OpenMPI/4.1.5/mpi4py/3.1.4.lua",
        "MPI/GCC/13.2.0/OpenMPI/4.1.6/mpi4py/3.1.5.lua",
    ]


def test_swapping_the_compiler_swaps_python_mpi_and_what_is_built_on_them(tmp_path, lmod):
    core = tree(tmp_path) / "Core"
    script = (
        "module load GCC/12.3.0 OpenMPI Python mpi4py; module -t list; echo $PATH; "
        "module swap GCC GCC/13.2.0; module -t list; echo $PATH; echo $PYTHONPATH"
    )
    result = lmod.run(script, [core])
    assert result.returncode == 0, result.stderr
    listed = [w for w in result.stderr.split() if "/" in w and "=>" not in w]
    assert listed[:4] == ["GCC/12.3.0", "OpenMPI/4.1.5", "Python/3.11.3", "mpi4py/3.1.4"]
    assert listed[-4:] == ["GCC/13.2.0", "OpenMPI/4.1.6", "Python/3.11.5", "mpi4py/3.1.5"]
    before, after, pythonpath = result.stdout.split()
    assert before.startswith("/opt/python/3.11.3/bin:")
    assert after.startswith("/opt/python/3.11.5/bin:")  # the default at the new level
    assert pythonpath == "/opt/mpi4py/3.1.5/lib"


def test_spider_finds_every_level_and_says_what_to_load_first(tmp_path, lmod):
    core = tree(tmp_path) / "Core"
    python = lmod.run("module spider Python/3.11.3", [core]).stderr
    assert "GCC/12.3.0" in python
    mpi4py = " ".join(lmod.run("module spider mpi4py/3.1.5", [core]).stderr.split())
    assert "GCC/13.2.0 OpenMPI/4.1.6" in mpi4py
    assert "Python" not in lmod.run("module -t avail", [core]).stderr  # Core only at first


def test_modulecmd_loads_through_the_levels_and_unloads_cleanly(tmp_path, modulecmd):
    core = tree(tmp_path, "environment-modules") / "Core"
    script = (
        'before="$PATH:$MODULEPATH"; module load GCC/13.2.0 OpenMPI/4.1.6 mpi4py; '
        "module -t list 2>&1; module unload mpi4py OpenMPI Python GCC; "
        '[ "$PATH:$MODULEPATH" = "$before" ] && echo RESTORED'
    )
    result = modulecmd.run(script, [core])
    assert result.returncode == 0, result.stderr
    assert "mpi4py/3.1.5" in result.stdout and "Python/3.11.5" in result.stdout
    assert result.stdout.split()[-1] == "RESTORED"


@pytest.mark.parametrize("tool", ["lmod", "environment-modules"])
def test_lint_loads_each_level_after_what_opens_it(tmp_path, tool):
    tree(tmp_path, tool)
    result = lint_tmp(tmp_path, "h")
    assert result.returncode == 0, result.stderr
    assert "h: 9 modules load and unload cleanly" in result.stdout


BAD = [
    (
        "    versions: [{version: '1', compiler: GCC/12.3.0}]\n",
        "naming: flat",
        "modules.OpenMPI.versions[0].compiler: compiler needs naming: hierarchy",
    ),
    (
        "    versions: ['1']\n",
        "naming: flat",
        "hierarchy: hierarchy needs naming: hierarchy",
    ),
    (
        "    versions: [{version: '1', compiler: GCC/9.9.9}]\n",
        "",
        "modules.x.versions[0].compiler: 'GCC/9.9.9' is not a version of hierarchy.compilers "
        "(did you mean 'GCC/13.2.0'?)",
    ),
    (
        "    versions: [{version: '1', compiler: OpenMPI/4.1.5}]\n",
        "",
        "modules.x.versions[0].compiler: 'OpenMPI/4.1.5' is not a version of hierarchy.compilers",
    ),
    (
        "    versions: [{version: '1', compiler: GCC/12.3.0, mpi: OpenMPI/4.1.5}]\n",
        "",
        "modules.x.versions[0].compiler: give compiler or mpi, not both: an MPI's level is "
        "under its compiler's",
    ),
    (
        "    versions: [{version: '1', compiler: ../GCC/12.3.0}]\n",
        "",
        "modules.x.versions[0].compiler: '../GCC/12.3.0' is not a module name without placeholders",
    ),
    (
        "    versions: [{version: '1', mpi: 'OpenMPI/$(touch /tmp/pyherd-canary)'}]\n",
        "",
        "modules.x.versions[0].mpi: 'OpenMPI/$(touch /tmp/pyherd-canary)' is not a module name "
        "without placeholders",
    ),
    (
        "    versions: [{version: '1', compiler: \"GCC/12.3.0\\n\"}]\n",
        "",
        "modules.x.versions[0].compiler: 'GCC/12.3.0\\n' is not a module name without placeholders",
    ),
]


@pytest.mark.parametrize(("module", "naming", "message"), BAD)
def test_a_wrong_level_is_a_located_refusal(tmp_path, module, naming, message):
    text = SITE.format(tool="lmod") + "  x:\n" + module
    if naming:
        text = text.replace("naming: hierarchy", naming)
    make_sites(tmp_path, h=text)
    result = run_pyherd("render", "--out", "out", cwd=tmp_path)
    assert result.returncode == 2
    said = [line.split(": ", 1)[1] for line in result.stderr.splitlines() if ": " in line]
    assert message in said, result.stderr
    assert not (tmp_path / "out").exists()


def test_an_mpi_needs_its_compiler_and_a_compiler_lives_in_core(tmp_path):
    text = (
        SITE.format(tool="lmod")
        .replace("      - {version: 4.1.6, compiler: GCC/13.2.0}", "      - 4.1.6")
        .replace(
            "    versions: [12.3.0, 13.2.0]", "    compiler: GCC/12.3.0\n    versions: [13.2.0]"
        )
    )
    make_sites(tmp_path, h=text)
    result = run_pyherd("validate", cwd=tmp_path)
    assert result.returncode == 2
    said = result.stderr
    assert "modules.GCC.compiler: a compiler of hierarchy.compilers lives in Core" in said
    assert "modules.OpenMPI: an MPI of hierarchy.mpis needs the compiler it is built with" in said


def test_lint_reports_what_a_level_module_leaves_behind(tmp_path):
    sites = make_sites(tmp_path, h=SITE.format(tool="lmod"))
    override_footer(
        sites,
        "h",
        '{% if module.key == "Python" %}\nif mode() == "load" then setenv("LEAKY", "1") end\n'
        "{% endif %}\n",
    )
    render_sites(tmp_path, "h")
    result = lint_tmp(tmp_path, "h")
    assert result.returncode == 1
    for python in ("3.11.3", "3.11.5", "3.12.1"):
        assert f"Python/{python} (lmod): unload left LEAKY changed: None -> '1'" in result.stderr
    assert "mpi4py/3.1.5 (lmod): unload left LEAKY" in result.stderr  # it loads Python
    assert "GCC/" not in result.stderr and "OpenMPI/" not in result.stderr


def test_review_claims_only_what_loads_from_core(tmp_path, lmod):
    """`pyherd review` states what `module load NAME` gives; from Core, Python is not there
    until a compiler is loaded, and GCC's default is Lmod's highest version."""
    core = tree(tmp_path) / "Core"
    paths = Paths(sites=tmp_path / "sites", templates=TEMPLATES, out=tmp_path / "out")
    item = load_one(paths, "h")
    loads = facts(item, rendered(paths, item)).loads
    assert loads == {"GCC": "GCC/13.2.0"}
    got = lmod.run("module load GCC && module -t list; module load Python", [core])
    assert got.stderr.split()[0] == "GCC/13.2.0"  # what the claim says
    assert "Python/3.11.5" not in lmod.run("module load Python; module -t list", [core]).stderr
