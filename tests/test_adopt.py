"""`pyherd adopt`: a hand-written tree taken over module by module, by what loading
each file does under the real module tool; nothing in the tree is overwritten."""

from __future__ import annotations

from pathlib import Path

from conftest import make_sites, run_pyherd

SITE = """\
module_tool: lmod
modules:
  a:
    versions: ["1.0"]
    prefix: /opt/a/{version}
    env:
      set:
        A_HOME: "{prefix}"
      prepend:
        PATH: "{prefix}/bin"
  b:
    versions: ["1.0", "2.0"]
    default: "1.0"
    prefix: /opt/b/{version}
    env:
      prepend:
        PATH: "{prefix}/bin"
"""
HAND = {  # the same effect as pyherd's for a/1.0 and b/2.0, spelled otherwise
    "s/a/1.0.lua": '-- hand-written, long ago\nprepend_path("PATH", "/opt/a/1.0/bin")\n'
    'setenv("A_HOME", "/opt/a/1.0")\n',
    "s/b/1.0.lua": 'prepend_path("PATH", "/opt/b/1.0/sbin")\n',  # sbin, not bin
    "s/b/2.0.lua": 'prepend_path("PATH","/opt/b/2.0/bin")\n',
    "s/b/.modulerc.lua": 'module_version("b/2.0", "default")\n',  # pyherd's default is 1.0
}


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    out = tmp_path / "modulefiles"
    for rel, text in files.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(text)
    return out


def test_modules_that_load_the_same_are_adopted_the_rest_listed(tmp_path: Path, lmod):
    make_sites(tmp_path, s=SITE)
    out = _tree(tmp_path, HAND)
    dry = run_pyherd("adopt", "--site", "s", "--dry-run", cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert not (out / "etc").exists()
    done = run_pyherd("adopt", "--site", "s", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "modulefiles/s/a/1.0.lua: the same under Lmod: adopted",
        "modulefiles/s/b/2.0.lua: the same under Lmod: adopted",
        "modulefiles/s/b/.modulerc.lua: differs: PATH: prepends '/opt/b/2.0/bin' here, "
        "prepends '/opt/b/1.0/bin' from pyherd; loads b/2.0 here, b/1.0 from pyherd",
        "modulefiles/s/b/1.0.lua: differs: PATH: prepends '/opt/b/1.0/sbin' here, "
        "prepends '/opt/b/1.0/bin' from pyherd",
        "s: 2 adopted, 2 differ; 0 already pyherd's; resolve the differences, then `pyherd render`",
    ]
    assert {rel: (out / rel).read_text() for rel in HAND} == HAND  # nothing overwritten
    manifest = (out / "etc/s/manifest.txt").read_text().splitlines()[1:]
    assert manifest == ["s/a/1.0.lua", "s/b/2.0.lua"]
    # render still refuses what differs, and only that
    refused = run_pyherd("render", cwd=tmp_path)
    assert refused.returncode == 1
    assert "modulefiles/s/b/.modulerc.lua, modulefiles/s/b/1.0.lua (move them" in refused.stderr
    # resolved (the hand-written b/1.0 and default removed): render takes the tree over
    (out / "s/b/1.0.lua").unlink()
    (out / "s/b/.modulerc.lua").unlink()
    rendered = run_pyherd("render", cwd=tmp_path)
    assert rendered.returncode == 0, rendered.stderr
    assert "hand-written" not in (out / "s/a/1.0.lua").read_text()
    loaded = lmod.run("module load a && echo $A_HOME", [out / "s"])
    assert loaded.stdout.strip() == "/opt/a/1.0"


def test_environment_modules_trees_are_compared_under_modulecmd(tmp_path: Path, modulecmd):
    make_sites(tmp_path, s="module_tool: environment-modules\n" + SITE.split("\n", 1)[1])
    out = _tree(tmp_path, {
        "s/a/1.0": "#%Module\n# ours\nsetenv A_HOME /opt/a/1.0\nprepend-path PATH /opt/a/1.0/bin\n",
        "s/b/2.0": "#%Module\nprepend-path PATH /opt/b/2.0/lib\n",
    })  # fmt: skip
    done = run_pyherd("adopt", "--site", "s", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "modulefiles/s/a/1.0: the same under Environment Modules: adopted" in done.stdout
    assert "modulefiles/s/b/2.0: differs: PATH: prepends '/opt/b/2.0/lib' here" in done.stdout
    assert (out / "etc/s/manifest.txt").read_text().splitlines()[1:] == ["s/a/1.0"]


def test_a_link_in_the_tree_is_refused_with_nothing_written(tmp_path: Path):
    make_sites(tmp_path, s=SITE)
    out = _tree(tmp_path, {"elsewhere/1.0.lua": 'setenv("A_HOME", "/opt/a/1.0")\n'})
    (out / "s").mkdir()
    (out / "s/a").symlink_to(out / "elsewhere")
    done = run_pyherd("adopt", "--site", "s", cwd=tmp_path)
    assert done.returncode == 2 and "is a symbolic link" in done.stderr
    assert not (out / "etc").exists()
