"""A site change is hostile data: a corpus of attacks a pull request could carry.

Each case is refused with exit 2 and its located message (file:line: key: what), no
traceback, nothing written in the project, and a victim area outside the project
unchanged byte for byte. Payloads that are accepted (quoted values) never run: a
canary file is never created by render, lint, the crontab line, or a real
`module load` under Lmod and under modulecmd.tcl.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import TEMPLATES, run_pyherd

CANARY = Path("/tmp/pyherd-hostile-canary")
TEMPLATES = str(TEMPLATES)
RENDER = ("render", "--templates", TEMPLATES, "--out", "out")
CHECK = (*RENDER, "--check")
VALIDATE = ("validate", "--templates", TEMPLATES)
LMOD = "module_tool: lmod\n"
TCL = "module_tool: environment-modules\n"
ONE = '  x: {versions: ["1"]}\n'


@dataclass
class Case:
    id: str
    sites: dict[str, str]  # path under sites/ -> text
    message: str  # the first line of stderr, exactly
    command: tuple[str, ...] = VALIDATE
    setup: Callable[[Path], None] | None = None  # runs in the project before the command
    rc: int = 2
    also: tuple[tuple[str, ...], ...] = field(default=())  # more commands, same refusal


def rendered(project: Path) -> None:
    result = run_pyherd(*RENDER, cwd=project)
    assert result.returncode == 0, result.stderr


def first_file(project: Path, site: str = "s") -> Path:
    return next(p for p in sorted((project / "out" / site).rglob("*")) if p.is_file())


def plant_link_dir(project: Path) -> None:
    rendered(project)
    directory = project / "out/s/x"
    for child in directory.iterdir():
        child.unlink()
    directory.rmdir()
    directory.symlink_to(project.parent / "victim")


def plant_link_file(project: Path) -> None:
    rendered(project)
    target = project / "out/s/x/1.lua"
    target.unlink()
    target.symlink_to(project.parent / "victim/profile.sh")


def plant_manifest_line(line: str) -> Callable[[Path], None]:
    def setup(project: Path) -> None:
        rendered(project)
        with (project / "out/etc/s/manifest.txt").open("a") as handle:
            handle.write(line + "\n")

    return setup


def plant_manifest_link(project: Path) -> None:
    rendered(project)
    manifest = project / "out/etc/s/manifest.txt"
    victim = project.parent / "victim/manifest.txt"
    victim.write_text(manifest.read_text().replace("s/x/1.lua", "../victim/profile.sh"))
    manifest.unlink()
    manifest.symlink_to(victim)


def plant_template_link(project: Path) -> None:
    target = project / "sites/s/templates/lmod/module.lua.j2"
    target.parent.mkdir(parents=True)
    target.symlink_to(project.parent / "victim/profile.sh")


def override(body: str) -> dict[str, str]:
    return {"s/templates/lmod/module.lua.j2": '{% extends "base/lmod/module.lua.j2" %}\n' + body}


NESTED = "a: " + "[" * 900 + "]" * 900 + "\n"
LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{c}: &{c} [{','.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)
CONDA = "conda:\n  root: /tmp/pyherd-hostile-root\n  trees:\n    t: {autoupdate: true}\n"

CASES = [
    # 1. writes outside the tree
    Case(
        "module-key-dotdot",
        {"s.yaml": LMOD + "modules:\n  ../../victim/x: {versions: ['1']}\n"},
        "sites/s.yaml:3: modules.../../victim/x: '../../victim/x' is not a module name",
        command=RENDER,
    ),
    Case(
        "module-template-dotdot",
        {
            "s.yaml": LMOD + "modules:\n  x:\n    module: '../../victim/{version}'\n"
            "    versions: ['1']\n"
        },
        "sites/s.yaml:4: modules.x.module: '../../victim/{version}' is not a module name template",
        command=RENDER,
    ),
    Case(
        "module-template-absolute",
        {
            "s.yaml": LMOD + "modules:\n  x:\n    module: '/etc/profile.d/{version}'\n"
            "    versions: ['1']\n"
        },
        "sites/s.yaml:4: modules.x.module: '/etc/profile.d/{version}' is not a module name "
        "template",
    ),
    Case(
        "version-dotdot",
        {"s.yaml": LMOD + "modules:\n  x: {versions: ['../../../victim/v']}\n"},
        "sites/s.yaml:3: modules.x.versions[0]: '../../../victim/v' is not a version",
        command=RENDER,
    ),
    Case(
        "version-leading-dot",
        {"s.yaml": TCL + "modules:\n  x: {versions: ['.version']}\n"},
        "sites/s.yaml:3: modules.x.versions[0]: '.version' is not a version",
    ),
    Case(
        "empty-component-after-expansion",
        {
            "s.yaml": LMOD + "modules:\n  x:\n    module: 'x/{toolchain}/{version}'\n"
            "    versions: ['1']\n"
        },
        "sites/s.yaml:4: modules.x.module: 'x//1' is not a module name",
    ),
    Case(
        "alias-dotdot",
        {"s.yaml": LMOD + "modules:\n  x:\n    versions: [{version: '1', aliases: ['../../y']}]\n"},
        "sites/s.yaml:4: modules.x.versions[0].aliases[0]: '../../y' is not a version",
    ),
    Case(
        "category-dotdot",
        {
            "s.yaml": LMOD
            + "naming: categorized\nmodules:\n  x: {category: '..', versions: ['1']}\n"
        },
        "sites/s.yaml:4: modules.x.category: '..' is not a category",
    ),
    Case(
        "tree-dotdot",
        {
            "s.yaml": LMOD + "conda:\n  root: /tmp/pyherd-hostile-root\n  trees:\n    '..': {}\n"
            "modules: {}\n"
        },
        "sites/s.yaml:5: conda.trees...: '..' is not a tree name",
    ),
    Case(
        "shared-file-dotdot",
        {
            "s.yaml": TCL + "modules:\n  a: {versions: ['1']}\n  b: {versions: ['1']}\n"
            "conflicts:\n  c: {modules: [a, b], shared_file: '../../victim/profile.sh'}\n"
        },
        "sites/s.yaml:6: conflicts.c.shared_file: '../../victim/profile.sh' is not a relative "
        "file path",
        command=RENDER,
    ),
    Case(
        "shared-file-absolute",
        {
            "s.yaml": TCL + "modules:\n  a: {versions: ['1']}\n  b: {versions: ['1']}\n"
            "conflicts:\n  c: {modules: [a, b], shared_file: /etc/profile.d/x.sh}\n"
        },
        "sites/s.yaml:6: conflicts.c.shared_file: '/etc/profile.d/x.sh' is not a relative "
        "file path",
    ),
    Case(
        "site-named-dotdot",
        {"...yaml": LMOD + "modules:\n" + ONE},
        "sites/...yaml: '..' is not a site name (letters, digits, '.', '_', '+', '-'; "
        "no leading '.')",
        command=RENDER,
    ),
    Case(
        "site-named-etc",
        {"etc.yaml": LMOD + "modules:\n" + ONE},
        "sites/etc.yaml: 'etc' is reserved: the output root's etc/ holds every site's configs",
        command=RENDER,
    ),
    # 2. code in every header, crontab and unit
    Case(  # a file name cannot hold '/': the payload's path uses '_'
        "site-name-newline-lua",
        {'a\nos.execute("touch _tmp_canary")\n--.yaml': LMOD + "modules:\n" + ONE},
        'sites/a\\nos.execute("touch _tmp_canary")\\n--.yaml: \'a\\nos.execute("touch '
        "_tmp_canary\")\\n--' is not a site name (letters, digits, '.', '_', '+', '-'; no "
        "leading '.')",
        command=RENDER,
        also=(("lint", "--templates", TEMPLATES, "--out", "out"),),
    ),
    Case(
        "site-name-shell",
        {"s$(touch x).yaml": LMOD + CONDA + "modules: {}\n"},
        "sites/s$(touch x).yaml: 's$(touch x)' is not a site name (letters, digits, '.', '_', "
        "'+', '-'; no leading '.')",
        command=("cron", "--site", "s$(touch x)", "--templates", TEMPLATES),
    ),
    Case(
        "extends-newline",
        {"s.yaml": 'extends: "t\\nssl_verify: false"\n' + LMOD + "modules:\n" + ONE},
        "sites/s.yaml:1: extends: expected a site name",
    ),
    # 3. manifest lines delete nothing
    Case(
        "manifest-absolute",
        {"s.yaml": LMOD + "modules:\n" + ONE},
        "out/etc/s/manifest.txt:3: '/etc/passwd' is not a file of site 's'; a manifest lists "
        "only the site's own files (restore the manifest from git; nothing was removed)",
        command=RENDER,
        setup=plant_manifest_line("/etc/passwd"),
        also=(CHECK,),
    ),
    Case(
        "manifest-dotdot",
        {"s.yaml": LMOD + "modules:\n" + ONE},
        "out/etc/s/manifest.txt:3: '../../victim/profile.sh' is not a file of site 's'; a "
        "manifest lists only the site's own files (restore the manifest from git; nothing "
        "was removed)",
        command=RENDER,
        setup=plant_manifest_line("../../victim/profile.sh"),
        also=(CHECK,),
    ),
    Case(
        "manifest-other-site",
        {"s.yaml": LMOD + "modules:\n" + ONE, "t.yaml": LMOD + "modules:\n" + ONE},
        "out/etc/s/manifest.txt:3: 't/x/1.lua' is not a file of site 's'; a manifest lists "
        "only the site's own files (restore the manifest from git; nothing was removed)",
        command=RENDER,
        setup=plant_manifest_line("t/x/1.lua"),
    ),
    Case(
        "manifest-is-a-link",
        {"s.yaml": LMOD + "modules:\n" + ONE},
        "out/etc/s/manifest.txt: is a symbolic link; pyherd neither writes nor reads through "
        "links in what it owns (remove the link, then run again)",
        command=RENDER,
        setup=plant_manifest_link,
        also=(CHECK,),
    ),
    # 4. links inside the tree are never followed
    Case(
        "link-dir-in-tree",
        {"s.yaml": LMOD + "modules:\n  x: {versions: ['1', '2']}\n"},
        "out/s/x: is a symbolic link; pyherd neither writes nor reads through links in what "
        "it owns (remove the link, then run again)",
        command=RENDER,
        setup=plant_link_dir,
        also=(CHECK,),
    ),
    Case(
        "link-file-in-tree",
        {"s.yaml": LMOD + "modules:\n  x: {versions: ['1'], whatis: [changed]}\n"},
        "out/s/x/1.lua: is a symbolic link; pyherd neither writes nor reads through links in "
        "what it owns (remove the link, then run again)",
        command=RENDER,
        setup=plant_link_file,
        also=(CHECK,),
    ),
    Case(
        "link-in-site-templates",
        {"s.yaml": LMOD + "modules:\n" + ONE},
        "sites/s/templates/lmod/module.lua.j2: is a symbolic link; site templates are read "
        "only from the site's own files",
        setup=plant_template_link,
        also=(RENDER,),
    ),
    # 5. control characters and trailing newlines
    Case(
        "env-var-trailing-newline",
        {"s.yaml": TCL + 'modules:\n  x:\n    versions: ["1"]\n    env: {set: {"ID\\n": x}}\n'},
        "sites/s.yaml:5: modules.x.env.set.ID\\n: 'ID\\n' is not an environment variable name",
    ),
    Case(
        "value-escape-sequence",
        {"s.yaml": LMOD + 'modules:\n  x:\n    versions: ["1"]\n    env: {set: {A: "\\e[2J"}}\n'},
        "sites/s.yaml:5: modules.x.env.set.A: holds the control character '\\x1b' (only texts may)",
    ),
    Case(
        "value-line-separator",
        {"s.yaml": LMOD + 'modules:\n  x:\n    versions: ["1"]\n    prefix: "/opt/\\u2028x"\n'},
        "sites/s.yaml:5: modules.x.prefix: holds the control character '\\u2028' (only texts may)",
    ),
    Case(
        "env-value-tilde-under-modulecmd",
        {"s.yaml": TCL + 'modules:\n  x:\n    versions: ["1"]\n    env: {set: {A: "a:~/x"}}\n'},
        "sites/s.yaml:3: modules.x: A: modulecmd.tcl leaves '~' unquoted at the start of a "
        "value or after ':', and the user's shell expands it to their home directory",
    ),
    Case(
        "key-with-escape-sequence",
        {"s.yaml": LMOD + 'modules:\n  "x\\e[31mRED":\n    versions: ["1"]\n'},
        "sites/s.yaml:3: modules.x\\x1b[31mRED: 'x\\x1b[31mRED' is not a module name",
    ),
    Case(
        "arch-trailing-newline",
        {"s.yaml": LMOD + 'wheelhouse:\n  root: /w\n  default_arch: "generic\\n"\nmodules: {}\n'},
        "sites/s.yaml:4: wheelhouse.default_arch: 'generic\\n' is not an architecture name",
    ),
    Case(
        "property-newline",
        {"s.yaml": LMOD + 'lmod:\n  properties: {"type_\\n": {math: {}}}\nmodules: {}\n'},
        "sites/s.yaml:3: lmod.properties.type_\\n: 'type_\\n' is not a valid name",
    ),
    # 6. Tcl that Lmod's translator reads
    Case(
        "tcl-path-quote-under-lmod",
        {
            "s.yaml": LMOD + "syntax: tcl\nmodules:\n  x:\n    versions: ['1']\n    env:\n"
            '      prepend: {PATH: [\'/opt/x",os.execute("touch /tmp/c") or "\']}\n'
        },
        'sites/s.yaml:4: modules.x: PATH entry \'/opt/x",os.execute("touch /tmp/c") or "\': a '
        "Tcl path value may not hold '\"' or '\\' (Lmod's Tcl reader copies it into Lua "
        "unescaped)",
        also=(RENDER,),
    ),
    Case(
        "tcl-whatis-long-bracket",
        {
            "s.yaml": TCL + "modules:\n  x:\n    versions: ['1']\n"
            "    whatis: [\"]===]) os.execute('touch /tmp/c') --\"]\n"
        },
        "sites/s.yaml:3: modules.x: whatis text holds ']===]', which ends the Lua string "
        "Lmod's Tcl reader puts it in",
        command=("lint", "--templates", TEMPLATES, "--out", "out"),
    ),
    Case(
        "tcl-help-long-bracket",
        {"s.yaml": TCL + "modules:\n  x:\n    versions: ['1']\n    help: \"a\\n]===]b\"\n"},
        "sites/s.yaml:3: modules.x: help text holds ']===]', which ends the Lua string Lmod's "
        "Tcl reader puts it in",
    ),
    Case(
        "tcl-message-long-bracket",
        {"s.yaml": TCL + "modules:\n  x:\n    versions: [{version: '1', message: ']===]'}]\n"},
        "sites/s.yaml:3: modules.x: message text holds ']===]', which ends the Lua string "
        "Lmod's Tcl reader puts it in",
    ),
    # 7. YAML bombs
    Case(
        "recursive-alias",
        {"s.yaml": "a: &a [*a]\n"},
        "sites/s.yaml:1: a[0][0]: nested deeper than 64 levels",
    ),
    Case(
        "nested-lists", {"s.yaml": NESTED}, "sites/s.yaml:1: a[0][0]: nested deeper than 64 levels"
    ),
    Case(
        "billion-laughs",
        {"s.yaml": LAUGHS},
        "sites/s.yaml:1: f[0][3]: aliases expand to more than 100,000 nodes; write the values "
        "out or use fewer nested aliases",
    ),
    # 8. templates cannot run Python
    Case(
        "template-dunder",
        {
            "s.yaml": LMOD + "modules:\n" + ONE,
            **override("{% block footer %}{{ module.__class__.__mro__ }}{% endblock %}\n"),
        },
        "sites/s/templates/lmod/module.lua.j2:2: template: access to attribute '__class__' of "
        "'ModuleSpec' object is unsafe.",
        also=(RENDER, CHECK),
    ),
    Case(
        "template-globals",
        {
            "s.yaml": LMOD + "modules:\n" + ONE,
            **override(
                "{% block footer %}{{ lipsum.__globals__['os'].system('touch /tmp/c') }}"
                "{% endblock %}\n"
            ),
        },
        "sites/s/templates/lmod/module.lua.j2:2: template: access to attribute '__globals__' "
        "of 'function' object is unsafe.",
    ),
    Case(
        "template-syntax-error",
        {
            "s.yaml": LMOD + "modules:\n" + ONE,
            **override("{% block footer %}{{ x {% endblock %}\n"),
        },
        "sites/s/templates/lmod/module.lua.j2:2: template: expected token 'end of print "
        "statement', got '{'",
    ),
    Case(
        "template-undefined",
        {
            "s.yaml": LMOD + "modules:\n" + ONE,
            **override("{% block footer %}{{ modul.full_name }}{% endblock %}\n"),
        },
        "sites/s/templates/lmod/module.lua.j2:2: template: 'modul' is undefined",
    ),
    Case(
        "template-unknown-block",
        {"s.yaml": LMOD + "modules:\n" + ONE, **override("{% block footr %}x{% endblock %}\n")},
        "sites/s/templates/lmod/module.lua.j2:2: block 'footr' is not in base/lmod/module.lua.j2 "
        "(its blocks: environment, extensions, footer, header, help, messages, relations, "
        "whatis)",
    ),
    # 9. smaller: schedules, names that clash on disk
    Case(
        "schedule-superscript",
        {"s.yaml": LMOD + CONDA + '  autoupdate: {schedule: "¹ 2 * * *"}\nmodules: {}\n'},
        "sites/s.yaml:6: conda.autoupdate.schedule: minute: '¹' is not a number",
    ),
    Case(
        "schedule-arabic-digits",
        {"s.yaml": LMOD + CONDA + '  autoupdate: {schedule: "٣ 2 * * *"}\nmodules: {}\n'},
        "sites/s.yaml:6: conda.autoupdate.schedule: minute: '٣' is not a number",
        command=("cron", "--site", "s", "--templates", TEMPLATES),
    ),
    Case(
        "file-and-directory-clash",
        {
            "s.yaml": TCL
            + "modules:\n  x: {module: x}\n  y: {module: 'x/{version}', versions: ['1.0']}\n"
        },
        "sites/s.yaml:4: modules.y.versions[0]: module 'x/1.0' needs a directory 'x' where "
        "module 'x' is a file",
        command=RENDER,
    ),
    Case(
        "module-named-dot-version",
        {"s.yaml": TCL + "modules:\n  x/.version: {versions: ['1']}\n"},
        "sites/s.yaml:3: modules.x/.version: 'x/.version' is not a module name",
    ),
    Case(
        "shared-file-over-rc-file",
        {
            "s.yaml": TCL
            + "modules:\n  a: {versions: ['1', '2'], default: '1'}\n  b: {versions: ['1']}\n"
            "conflicts:\n  c: {modules: [a, b], shared_file: a/.version}\n"
        },
        "sites/s.yaml:6: conflicts.c.shared_file: shared file 'a/.version' needs the file "
        "'a/.version', as does the .version of 'a'",
    ),
    # 10. externals: names and module paths of modules pyherd does not render
    *(
        Case(
            f"external-name-{label}",
            {"s.yaml": LMOD + f"externals:\n  {key}: {{}}\nmodules:\n" + ONE},
            f"sites/s.yaml:3: externals.{shown}: {quoted} is not a module name without "
            "placeholders",
            command=RENDER,
        )
        for label, key, shown, quoted in (
            ("dotdot", "../x", "../x", "'../x'"),
            ("inner-dotdot", "a/../../b", "a/../../b", "'a/../../b'"),
            (
                "command",
                '"$(touch /tmp/pyherd-hostile-canary)"',
                "$(touch /tmp/pyherd-hostile-canary)",
                "'$(touch /tmp/pyherd-hostile-canary)'",
            ),
            ("quote", '"a\'b"', "a'b", '"a\'b"'),
            ("newline", '"a\\nb"', "a\\nb", "'a\\nb'"),
        )
    ),
    Case(
        "external-modulepath-colon",
        {"s.yaml": LMOD + "externals:\n  e: {modulepath: '/a:/b'}\nmodules:\n" + ONE},
        "sites/s.yaml:3: externals.e.modulepath: a MODULEPATH entry cannot hold ':'",
    ),
    Case(
        "external-modulepath-dotdot",
        {"s.yaml": LMOD + "externals:\n  e: {modulepath: /opt/../etc}\nmodules:\n" + ONE},
        "sites/s.yaml:3: externals.e.modulepath: '/opt/../etc' is not an absolute path without "
        "'.', '..' or '//' parts",
    ),
]


def snapshot(top: Path) -> dict[str, tuple[int, bytes]]:
    """Every entry under `top`: its mode and its bytes (a link: its target)."""
    out = {}
    for directory, dirs, files in os.walk(top):
        for name in dirs + files:
            path = Path(directory) / name
            st = path.lstat()
            if path.is_symlink():
                data = os.readlink(path).encode()
            elif path.is_file():
                data = path.read_bytes()
            else:
                data = b""
            out[str(path.relative_to(top))] = (st.st_mode, data)
    return out


def make_victim(tmp_path: Path) -> Path:
    victim = tmp_path / "victim"
    (victim / "data").mkdir(parents=True)
    (victim / "profile.sh").write_text("export KEEP=1\n")
    (victim / "data" / "1.lua").write_text("-- not pyherd's\n")
    return victim


@pytest.fixture(autouse=True)
def no_canary():
    CANARY.unlink(missing_ok=True)
    yield
    assert not CANARY.exists(), "a hostile input ran a command"


def test_the_corpus_is_large_and_every_case_is_named_once():
    assert len(CASES) >= 40
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_hostile_site_change_is_refused_located_and_writes_nothing(tmp_path, case):
    victim = make_victim(tmp_path)
    project = tmp_path / "project"
    for rel, text in case.sites.items():
        path = project / "sites" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    if case.setup:
        case.setup(project)
    victim_before, project_before = snapshot(victim), snapshot(project)
    for command in (case.command, *case.also):
        result = run_pyherd(*command, cwd=project)
        assert "Traceback" not in result.stderr, result.stderr
        assert result.returncode == case.rc, (command, result.stderr)
        assert result.stderr.splitlines()[0] == case.message, command
        assert result.stderr.splitlines()[-1].endswith("bad input; nothing was written")
        assert snapshot(victim) == victim_before
        assert snapshot(project) == project_before


# --- accepted payloads never run --------------------------------------------------

PAYLOADS = [
    f"$(touch {CANARY})",
    f"`touch {CANARY}`",
    f"[exec touch {CANARY}]",
    f'" .. os.execute("touch {CANARY}") .. "',
    f"]] .. os.execute('touch {CANARY}') .. [[",
    f"'; touch {CANARY}; '",
]


def payload_site(tool: str) -> str:
    lines = [
        f"module_tool: {tool}",
        "conda:",
        f"  root: '/tmp/pyherd r/{PAYLOADS[0]}'",
        "  trees:",
        "    t: {autoupdate: true}",
        "modules:",
    ]
    for i, payload in enumerate(PAYLOADS):
        quoted = payload.replace("'", "''")
        path_safe = "/opt/" + quoted.replace('"', "_").replace("\\", "_")
        lines += [
            f"  m{i}:",
            "    versions: ['1']",
            f"    help: '{quoted}'",
            f"    whatis: ['{quoted.replace(']===]', '')}']",
            f"    message: '{quoted}'",
            "    env:",
            f"      set: {{PYHERD_V: '{quoted}'}}",
            f"      prepend: {{PYHERD_P: ['{path_safe}']}}",
            f"      aliases: {{pyherd_a: 'echo {quoted}'}}",
        ]
    return "\n".join(lines) + "\n"


def load_every_module(runner, tree: Path, names: list[str]) -> None:
    script = "".join(f"module load {n} 2>/dev/null\nmodule unload {n}\n" for n in names)
    result = runner.run(script, [tree])
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("tool", ["lmod", "environment-modules"])
def test_accepted_payloads_never_run(tmp_path, tool, lmod, modulecmd):
    project = tmp_path / "project"
    (project / "sites").mkdir(parents=True)
    (project / "sites/s.yaml").write_text(payload_site(tool))
    for command in (VALIDATE, RENDER, ("lint", "--templates", TEMPLATES, "--out", "out")):
        result = run_pyherd(*command, cwd=project)
        assert result.returncode == 0, (command, result.stderr)
    cron = run_pyherd(
        "cron", "--site", "s", "--only", "crontab", "--templates", TEMPLATES, cwd=project
    )
    assert cron.returncode == 0, cron.stderr
    line = next(ln for ln in cron.stdout.splitlines() if ln and not ln.startswith(("#", "MAILTO")))
    command = line.split(None, 5)[5]  # after the five schedule fields
    pyherd = command.split(" && ", 1)[1].split()[0]
    ran = subprocess.run(
        ["/bin/sh", "-c", command.replace(pyherd, "/bin/true")], cwd=project, check=False
    )
    assert ran.returncode == 0
    names = [f"m{i}/1" for i in range(len(PAYLOADS))]
    tree = project / "out/s"
    load_every_module(lmod if tool == "lmod" else modulecmd, tree, names)
    if tool == "environment-modules":
        load_every_module(lmod, tree, names)  # Lmod reads Tcl trees through its translator
