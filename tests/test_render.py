"""Rendering: change-only atomic writes, the manifest, --check, --diff, --dry-run."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import TEMPLATES, make_sites, override_footer, render_sites, run_pyherd

RENDER = ["render", "--templates", str(TEMPLATES), "--out", "out"]


def mtimes(tree: Path) -> dict[str, int]:
    """Every rendered file's mtime (the local render-state file aside)."""
    return {
        str(p.relative_to(tree)): p.stat().st_mtime_ns
        for p in tree.rglob("*")
        if p.is_file() and p.name != ".render-state.json"
    }


def test_committed_modulefiles_match_the_sites_and_templates():
    result = run_pyherd("render", "--check")
    assert result.returncode == 0, result.stderr


def test_second_render_writes_no_file(tmp_path):
    make_sites(tmp_path, "triton", "iceberg")
    out = render_sites(tmp_path)
    before = mtimes(out)
    result = run_pyherd(*RENDER, cwd=tmp_path)
    assert result.returncode == 0
    assert "0 created, 0 updated, 0 removed" in result.stdout
    assert mtimes(out) == before


def test_without_render_state_the_full_compare_writes_no_file_either(tmp_path):
    make_sites(tmp_path, "triton")
    out = render_sites(tmp_path)
    (out / "etc/triton/.render-state.json").unlink()
    before = mtimes(out)
    result = run_pyherd(*RENDER, cwd=tmp_path)
    assert "0 created, 0 updated, 0 removed" in result.stdout
    assert mtimes(out) == before


def test_a_hand_edit_is_repaired_by_the_next_render(tmp_path):
    """The no-op shortcut never hides an edit: the file's stat no longer matches."""
    make_sites(tmp_path, "triton")
    out = render_sites(tmp_path)
    edited = out / "triton/miniconda/24.1.2.lua"
    good = edited.read_text()
    edited.write_text(good + "-- hand edit\n")
    result = run_pyherd(*RENDER, cwd=tmp_path)
    assert "1 updated" in result.stdout
    assert edited.read_text() == good


def test_changing_one_version_rewrites_only_its_files(tmp_path):
    sites = make_sites(tmp_path, "triton")
    out = render_sites(tmp_path)
    before = mtimes(out)
    text = (sites / "triton.yaml").read_text().replace("default: 2024-01", "default: 2023-03")
    (sites / "triton.yaml").write_text(text)
    render_sites(tmp_path)
    after = mtimes(out)
    changed = {k for k in after if after[k] != before.get(k)}
    assert changed == {"triton/anaconda/.modulerc.lua"}


def test_check_fails_on_a_hand_edited_modulefile_and_names_it(tmp_path):
    make_sites(tmp_path, "ozstar")
    out = render_sites(tmp_path)
    edited = out / "ozstar/python/3.10.4.lua"
    edited.write_text(edited.read_text() + 'setenv("HAND", "edited")\n')
    result = run_pyherd(*RENDER, "--check", cwd=tmp_path)
    assert result.returncode == 1
    assert "out/ozstar/python/3.10.4.lua: stale or hand-edited" in result.stderr
    assert 'setenv("HAND", "edited")' in edited.read_text()  # --check writes nothing


def test_check_names_missing_and_undeclared_files(tmp_path):
    sites = make_sites(tmp_path, "triton")
    out = render_sites(tmp_path)
    (out / "triton/miniconda/24.1.2.lua").unlink()
    text = (
        (sites / "triton.yaml")
        .read_text()
        .replace("versions: [3.10.13, 3.11.7]", "versions: [3.11.7]")
    )
    (sites / "triton.yaml").write_text(text)
    result = run_pyherd(*RENDER, "--check", cwd=tmp_path)
    assert result.returncode == 1
    assert "out/triton/miniconda/24.1.2.lua: missing" in result.stderr
    assert "out/triton/python/3.10.13.lua: no longer declared" in result.stderr


def test_removed_version_is_deleted_and_foreign_files_are_kept(tmp_path):
    sites = make_sites(tmp_path, "triton")
    out = render_sites(tmp_path)
    notes = out / "triton/python/NOTES.txt"
    notes.write_text("an admin's own file\n")
    text = (
        (sites / "triton.yaml")
        .read_text()
        .replace("versions: [3.10.13, 3.11.7]", "versions: [3.11.7]")
    )
    (sites / "triton.yaml").write_text(text)
    result = run_pyherd(*RENDER, cwd=tmp_path)
    assert "1 removed" in result.stdout
    assert not (out / "triton/python/3.10.13.lua").exists()
    assert (out / "triton/python/3.11.7.lua").exists()
    assert notes.read_text() == "an admin's own file\n"


def test_removing_a_whole_module_prunes_its_empty_directory(tmp_path):
    sites = make_sites(tmp_path, "ulhpc")
    out = render_sites(tmp_path)
    text = (sites / "ulhpc.yaml").read_text()
    text = text[: text.index("  SciPy-bundle:")]
    (sites / "ulhpc.yaml").write_text(text)
    render_sites(tmp_path)
    assert not (out / "ulhpc/lang/SciPy-bundle").exists()
    assert (out / "ulhpc/lang/Python").is_dir()


def test_a_file_pyherd_never_wrote_is_not_overwritten(tmp_path):
    make_sites(tmp_path, "triton")
    target = tmp_path / "out/triton/anaconda/2024-01.lua"
    target.parent.mkdir(parents=True)
    target.write_text("-- someone else's modulefile\n")
    result = run_pyherd(*RENDER, cwd=tmp_path)
    assert result.returncode == 1
    assert "refusing to overwrite files pyherd did not write" in result.stderr
    assert str(target.relative_to(tmp_path)) in result.stderr
    assert target.read_text() == "-- someone else's modulefile\n"
    assert sorted(p.name for p in (tmp_path / "out").rglob("*") if p.is_file()) == ["2024-01.lua"]


def test_an_interrupted_render_is_finished_by_the_next_one(tmp_path):
    """Files already on disk with the right content (a crash before the manifest) are adopted."""
    make_sites(tmp_path, "triton")
    out = render_sites(tmp_path)
    (out / "etc/triton/manifest.txt").unlink()
    result = run_pyherd(*RENDER, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (out / "etc/triton/manifest.txt").is_file()
    assert run_pyherd(*RENDER, "--check", cwd=tmp_path).returncode == 0


def test_diff_and_dry_run_show_changes_without_writing(tmp_path):
    sites = make_sites(tmp_path, "triton")
    out = render_sites(tmp_path)
    text = (sites / "triton.yaml").read_text().replace("default: 2024-01", "default: 2023-03")
    (sites / "triton.yaml").write_text(text)
    before = mtimes(out)
    diff = run_pyherd(*RENDER, "--diff", cwd=tmp_path)
    assert diff.returncode == 0
    assert '-module_version("anaconda/2024-01", "default")' in diff.stdout
    assert '+module_version("anaconda/2023-03", "default")' in diff.stdout
    dry = run_pyherd(*RENDER, "--dry-run", cwd=tmp_path)
    assert "would update out/triton/anaconda/.modulerc.lua" in dry.stdout
    assert mtimes(out) == before


def test_site_template_override_extends_the_base_template(tmp_path, lmod):
    sites = make_sites(tmp_path, "triton")
    override_footer(sites, "triton", 'setenv("TRITON_MODULE", {{ module.full_name|lua }})\n')
    out = render_sites(tmp_path, "triton")
    result = lmod.run("module load anaconda && echo $TRITON_MODULE", [out / "triton"])
    assert result.stdout.strip() == "anaconda/2024-01"


@pytest.mark.parametrize("first", [True, False])
def test_a_render_killed_after_writing_publishes_nothing_and_the_next_finishes(tmp_path, first):
    """Many files are written by several threads; killed before they are published, the
    tree users see is the old one (or none), and the next render completes it."""
    lines = ["module_tool: lmod", "modules:"]
    one = "{versions: ['1.0'], prefix: /opt/m%03d, env: {set: {H: '{prefix}'}}}"
    lines += [f"  m{k:03d}: " + one % k for k in range(100)]
    sites = make_sites(tmp_path, big="\n".join(lines) + "\n")
    out = tmp_path / "out"
    if not first:
        render_sites(tmp_path)
        (sites / "big.yaml").write_text((sites / "big.yaml").read_text().replace("/opt/", "/sw/"))
    tree = out / "big"  # what users see

    def seen(hidden: bool = False) -> dict[Path, bytes]:  # the tools skip hidden files
        return {
            p: p.read_bytes()
            for p in tree.rglob("*")
            if p.is_file() and (hidden or not p.name.startswith("."))
        }

    before = seen()
    killed = run_pyherd(*RENDER, cwd=tmp_path, env={"PYHERD_KILL_AT": "render-written"})
    assert killed.returncode == -9
    assert seen() == before  # nothing published: the old files, byte for byte, or none
    assert (out / "big").exists() != first  # a first render's tree is not there at all
    again = run_pyherd(*RENDER, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert run_pyherd(*RENDER, "--check", cwd=tmp_path).returncode == 0
    assert not [p for p in seen(hidden=True) if ".pyherd-" in p.name]  # swept
    text = (out / "big/m042/1.0.lua").read_text()
    assert ("/opt/m042" if first else "/sw/m042") in text
