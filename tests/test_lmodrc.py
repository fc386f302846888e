"""Property tags beside a site's own lmodrc: pyherd's lmodrc.lua adds its values to the
propT the rc files before it made, and the profile.d snippet appends it to LMOD_RC."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conftest import make_sites, run_pyherd

SITE = """\
module_tool: lmod
lmod:
  properties:
    type_:
      tools: {{short: (t), doc: Tools}}
deploy:
  groups: {{login: [login1]}}
  modulepath: /cvmfs/soft/modules
  config_dir: {config_dir}
modules:
  python:
    versions: ["3.11.5"]
    properties: {{type_: tools}}
"""
# the site's own lmodrc, as a cluster already has it: another value of the same property
SITE_RC = """\
propT = {
    type_ = {
        validT = { mpi = 1 },
        displayT = { mpi = { short = "(mpi)", long = "(mpi)", color = "red", doc = "MPI" } },
    },
}
"""


def test_the_sites_own_property_values_stay_valid_beside_pyherds(tmp_path: Path, lmod):
    make_sites(tmp_path, s=SITE.format(config_dir="/etc/pyherd/s"))
    assert run_pyherd("render", "--out", "out", cwd=tmp_path).returncode == 0
    site_rc = tmp_path / "site-lmodrc.lua"
    site_rc.write_text(SITE_RC)
    hand = tmp_path / "hand/mpich"
    hand.mkdir(parents=True)
    (hand / "4.1.lua").write_text('add_property("type_", "mpi")\n')
    ours = tmp_path / "out/etc/s/lmodrc.lua"
    both = {"LMOD_RC": f"{site_rc}:{ours}"}
    loaded = lmod.run("module load python mpich && module -t list", [tmp_path / "out/s",
                      tmp_path / "hand"], env=both)  # fmt: skip
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stderr.split() == ["python/3.11.5", "mpich/4.1"]
    listed = lmod.run("module avail 2>&1", [tmp_path / "out/s", tmp_path / "hand"], env=both)
    assert "python/3.11.5 (t)" in listed.stdout and "mpich/4.1 (mpi)" in listed.stdout
    # pyherd's file alone still serves its own modules
    alone = lmod.run("module load python && module -t list", [tmp_path / "out/s"],
                     env={"LMOD_RC": str(ours)})  # fmt: skip
    assert alone.returncode == 0 and alone.stderr.split() == ["python/3.11.5"]


@pytest.mark.parametrize(
    "config_dir", ["/etc/pyherd/s", "/srv/it's here", "/srv/$(touch canary)", "/srv/a b:c"]
)
def test_the_profile_snippet_appends_once_and_quotes_the_path(tmp_path: Path, config_dir):
    make_sites(tmp_path, s=SITE.format(config_dir=f'"{config_dir}"'))
    done = run_pyherd("render", "--out", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    snippet = tmp_path / "out/etc/s/profile.d/lmod-rc.sh"
    script = f'. "{snippet}"; . "{snippet}"; printf "%s" "$LMOD_RC"'
    ran = subprocess.run(["sh", "-c", script], capture_output=True, text=True, cwd=tmp_path,
                         env={"PATH": "/usr/bin:/bin", "LMOD_RC": "/etc/site-rc.lua"})  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == f"/etc/site-rc.lua:{config_dir}/lmodrc.lua"
    assert not (tmp_path / "canary").exists()
