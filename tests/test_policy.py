"""The pip and user-site policy: on the module kinds a site names (python by default,
since pip does not count a conda env as a virtualenv), overridable per module, and
never contradicted silently by a module's own env."""

from __future__ import annotations

import subprocess
import sys
import sysconfig

import pytest

from conftest import MODULEFILES, make_sites, run_pyherd

REFUSED = "Could not find an activated virtualenv (required)"


def _loaded_env(lmod, tree, module: str) -> dict[str, str]:
    ran = lmod.run(f"module load {module} >/dev/null 2>&1 && env -0", [tree])
    assert ran.returncode == 0, ran.stderr
    return dict(e.split("=", 1) for e in ran.stdout.split("\0") if "=" in e)


def _pip_outside_a_venv(env: dict[str, str]) -> subprocess.CompletedProcess:
    """pip as a conda env's or the system's python runs it: not in a virtualenv."""
    base = getattr(sys, "_base_executable", sys.executable)
    return subprocess.run(
        [base, "-m", "pip", "install", "--no-index", "--disable-pip-version-check",
         "no-such-package-here"],
        env={**env, "PYTHONPATH": sysconfig.get_paths()["purelib"], "PIP_CONFIG_FILE": "/dev/null"},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_ozstar_pip_works_in_a_conda_env_and_python_still_requires_a_venv(lmod):
    tree = MODULEFILES / "ozstar"
    python = _loaded_env(lmod, tree, "python")
    assert python["PIP_REQUIRE_VIRTUALENV"] == "true"
    assert REFUSED in _pip_outside_a_venv(python).stderr
    conda = _loaded_env(lmod, tree, "conda")
    assert "PIP_REQUIRE_VIRTUALENV" not in conda
    tried = _pip_outside_a_venv(conda)  # got as far as looking for the package
    assert REFUSED not in tried.stderr and "no-such-package-here" in tried.stderr


SITE = """\
module_tool: lmod
python_policy:
  pip_require_virtualenv: true
{kinds}conda:
  root: /opt/conda
  trees:
    main:
      flavour: miniforge
      packages: ["python=3.11"]
modules:
  python:
    kind: python
    versions: ["3.11.5"]
    prefix: /opt/python/{{version}}
{python_extra}  conda:
    kind: conda
    versions: ["24.1"]
    tree: main
{conda_extra}"""


def _site(kinds: str = "", python_extra: str = "", conda_extra: str = "") -> str:
    return SITE.format(kinds=kinds, python_extra=python_extra, conda_extra=conda_extra)


@pytest.mark.parametrize(
    ("kinds", "python_extra", "conda_extra", "python_sets", "conda_sets"),
    [
        ("", "", "", True, False),
        ("  kinds: [python, conda]\n", "", "", True, True),
        ("", "    python_policy: {pip_require_virtualenv: false}\n",
         "    python_policy: {pip_require_virtualenv: true}\n", False, True),
    ],
    ids=["default", "kinds", "per-module"],
)  # fmt: skip
def test_the_policy_goes_where_the_site_says(
    tmp_path, lmod, kinds, python_extra, conda_extra, python_sets, conda_sets
):
    make_sites(tmp_path, s=_site(kinds, python_extra, conda_extra))
    done = run_pyherd("render", "--out", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for module, sets in (("python", python_sets), ("conda", conda_sets)):
        env = _loaded_env(lmod, tmp_path / "out/s", module)
        assert ("PIP_REQUIRE_VIRTUALENV" in env) == sets, module


@pytest.mark.parametrize(
    ("python_extra", "message"),
    [
        ("    env:\n      unset: [PIP_REQUIRE_VIRTUALENV]\n",
         "s.yaml:16: modules.python.env.unset[0]: PIP_REQUIRE_VIRTUALENV is set to 'true' "
         "and unset by this module; say it once"),
        ("    env:\n      set: {PIP_REQUIRE_VIRTUALENV: 'false'}\n",
         "s.yaml:16: modules.python.env.set.PIP_REQUIRE_VIRTUALENV: PIP_REQUIRE_VIRTUALENV is "
         "set to 'false' and set to 'true' by this module"),
    ],
    ids=["unset", "set-twice"],
)  # fmt: skip
def test_a_contradiction_on_one_variable_is_a_located_error(tmp_path, python_extra, message):
    make_sites(tmp_path, s=_site(python_extra=python_extra))
    done = run_pyherd("render", "--out", "out", cwd=tmp_path)
    assert done.returncode == 2
    assert message in done.stderr, done.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("kind", ["../python", "python\\nconda", "$(touch canary)", "Python"])
def test_an_unknown_kind_in_the_policy_is_refused(tmp_path, kind):
    make_sites(tmp_path, s=_site(kinds=f'  kinds: ["{kind}"]\n'))
    done = run_pyherd("validate", cwd=tmp_path)
    assert done.returncode == 2 and "python_policy.kinds[0]" in done.stderr, done.stderr
    assert not (tmp_path / "canary").exists()
