"""Seed 003 (Sheffield Iceberg) under real Environment Modules (modulecmd.tcl)."""

from __future__ import annotations

from conftest import MODULEFILES, ROOT, TEMPLATES, make_sites, render_sites, run_pyherd
from pyherd.project import Paths, load_sites

TREE = MODULEFILES / "iceberg"


def test_anaconda_module_loads_conda_and_activates_its_env(modulecmd):
    script = (
        "module load apps/python/anaconda3-2.4.0; module list -t; "
        "echo $CONDA_DEFAULT_ENV; echo $PATH"
    )
    result = modulecmd.run(script, [TREE])
    assert "apps/python/conda" in result.stderr
    assert "apps/python/anaconda3-2.4.0" in result.stderr
    env, path = result.stdout.strip().splitlines()
    assert env == "anaconda3-2.4.0"
    assert path.startswith(
        "/usr/local/packages6/conda/current/envs/anaconda3-2.4.0/bin:"
        "/usr/local/packages6/conda/current/bin:"
    )


def test_loading_anaconda2_after_anaconda3_fails_with_a_conflict(modulecmd):
    script = (
        "module load apps/python/anaconda3-2.4.0; module load apps/python/anaconda2-2.4.0; "
        "echo $CONDA_DEFAULT_ENV"
    )
    result = modulecmd.run(script, [TREE])
    assert "conflict" in result.stderr.lower()
    assert result.stdout.strip() == "anaconda3-2.4.0"


def test_hidden_conflict_file_lists_every_anaconda_module_and_is_not_in_avail(modulecmd):
    text = (TREE / "apps/python/.conda-environments.tcl").read_text()
    conflict = next(line for line in text.splitlines() if line.startswith("conflict "))
    assert conflict.split()[1:] == [
        '"apps/python/anaconda2-2.3.0"',
        '"apps/python/anaconda2-2.4.0"',
        '"apps/python/anaconda3-2.3.0"',
        '"apps/python/anaconda3-2.4.0"',
    ]
    avail = modulecmd.run("module avail -t", [TREE]).stderr
    assert "apps/python/anaconda3-2.4.0" in avail
    assert "conda-environments" not in avail


def test_deprecated_module_still_loads_and_says_so(modulecmd):
    result = modulecmd.run("module load binapps/anacondapython/2.3; echo $PATH", [TREE])
    assert "binapps/anacondapython/2.3 is deprecated" in result.stderr
    assert result.stdout.startswith("/usr/local/packages6/binapps/anacondapython/2.3/bin:")


def test_unloading_the_env_module_drops_the_conda_it_loaded(modulecmd):
    script = (
        'before="$PATH"; module load apps/python/anaconda2-2.3.0; '
        'module unload apps/python/anaconda2-2.3.0; [ "$PATH" = "$before" ] && echo same; '
        "echo ${CONDA_PREFIX-unset}"
    )
    assert modulecmd.run(script, [TREE]).stdout.split() == ["same", "unset"]


def test_a_new_anaconda_release_joins_every_conflict_line(tmp_path, modulecmd):
    """Seed 003's manual steps (copy the env file, copy the modulefile, append the module to
    the conflict line) become: one env file and one line for the tree, one list entry."""
    iceberg = (TREE.parent.parent / "sites" / "iceberg.yaml").read_text()
    missing_env = iceberg.replace(
        "versions: [2.3.0, 2.4.0]\n\n  anaconda2", "versions: [2.3.0, 2.4.0, 2.5.0]\n\n  anaconda2"
    )
    assert missing_env != iceberg
    make_sites(tmp_path, "iceberg", iceberg=missing_env)
    result = run_pyherd("validate", "--sites", str(tmp_path / "sites"), cwd=tmp_path)
    assert result.returncode == 2
    assert "env 'anaconda3-2.5.0' is not in conda.trees.conda.envs" in result.stderr
    iceberg = iceberg.replace(
        "        anaconda3-2.4.0: {environment: envs/anaconda3-2.4.0.yml, frozen: true}\n",
        "        anaconda3-2.4.0: {environment: envs/anaconda3-2.4.0.yml, frozen: true}\n"
        "        anaconda3-2.5.0: {environment: envs/anaconda3-2.5.0.yml, frozen: true}\n",
    )
    env_file = tmp_path / "sites/iceberg/envs/anaconda3-2.5.0.yml"
    env_file.write_text(env_file.with_name("anaconda3-2.4.0.yml").read_text().replace("2.4", "2.5"))
    newer = iceberg.replace(
        'env_name: "anaconda3-{version}"\n    whatis: "Anaconda for Python 3 (a conda environment '
        'that is never modified)"\n    versions: [2.3.0, 2.4.0]',
        'env_name: "anaconda3-{version}"\n    whatis: "Anaconda for Python 3 (a conda environment '
        'that is never modified)"\n    versions: [2.3.0, 2.4.0, 2.5.0]',
    )
    assert newer != iceberg
    make_sites(tmp_path, iceberg=newer)
    out = render_sites(tmp_path, "iceberg")
    tree = out / "iceberg"
    assert (
        "apps/python/anaconda3-2.5.0" in (tree / "apps/python/.conda-environments.tcl").read_text()
    )
    script = "module load apps/python/anaconda2-2.3.0; module load apps/python/anaconda3-2.5.0"
    assert "conflict" in modulecmd.run(script, [tree]).stderr.lower()


def test_cron_keeps_root_and_python2_current_and_never_touches_anaconda_envs():
    """Seed 003: conda-autoupdate.sh updates the root and python2 envs from cron."""
    item = load_sites(Paths(ROOT / "sites", TEMPLATES, MODULEFILES), ["iceberg"])[0]
    (tree,) = item.trees
    assert tree.autoupdate
    frozen = {env.name: env.frozen for env in tree.all_envs()}
    assert frozen == {
        "base": False,
        "python2": False,
        "anaconda2-2.3.0": True,
        "anaconda2-2.4.0": True,
        "anaconda3-2.3.0": True,
        "anaconda3-2.4.0": True,
    }
    crontab = run_pyherd("cron", "--site", "iceberg", "--only", "crontab").stdout
    assert "\n17 3 * * * cd " in crontab
    assert "autoupdate --site iceberg --quiet --log /usr/local/packages6/.autoupdate.log" in crontab
