"""Install a conda tree as a new generation and make it current.

The new generation is built beside the published one (py-rattler, or the vendor's
installer with a mandatory sha256), gets the site's .condarc, is sealed read-only
for group and others, and must pass the tree's health checks. Only then does
`<root>/<tree>/current` move to it, in one rename. Generations beyond the tree's
`keep` are then collected (never the current one). Any failure leaves `current`
where it was; a half-built generation is removed now or by the next run.
"""

from __future__ import annotations

import argparse

from pyherd.commands.conda_site import add_tree_arguments, load_tree
from pyherd.conda.engine import run_worker
from pyherd.conda.generations import TreeDir
from pyherd.conda.install import check_root, install, solve_request, worker_failure
from pyherd.conda.plan import TreePlan
from pyherd.project import Paths


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_tree_arguments(parser)
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="solve and print what would be installed; write nothing",
    )
    parser.add_argument(
        "--allow-world-writable",
        action="store_true",
        help="install even if the root or tree directory is world-writable",
    )


def run(args: argparse.Namespace, paths: Paths) -> int:
    plan, condarc = load_tree(args, paths)
    if args.dry_run:
        return dry_run(plan, condarc, args.allow_world_writable)
    outcome = install(plan, condarc, allow_world_writable=args.allow_world_writable)
    was = f" (was {outcome.previous})" if outcome.previous is not None else ""
    print(
        f"{plan.tree}: generation {outcome.generation} is current{was}: "
        f"{outcome.packages} packages in {outcome.seconds:.1f} s"
    )
    if outcome.cleaned:
        print(f"{plan.tree}: removed incomplete generations {_ids(outcome.cleaned)}")
    if outcome.collected:
        print(f"{plan.tree}: collected generations {_ids(outcome.collected)} (keep {plan.keep})")
    return 0


def dry_run(plan: TreePlan, condarc: str, allow_world_writable: bool) -> int:
    check_root(plan, allow_world_writable)
    tree = TreeDir(plan.tree_dir)
    print(
        f"would install tree {plan.tree} ({plan.flavour}, {plan.method}) as generation "
        f"{tree.next_id()} in {tree.generations_dir}"
    )
    if plan.installer:
        print(f"  installer: {plan.installer.url} (sha256 {plan.installer.sha256})")
    envs = plan.envs if plan.method == "installer" else plan.all_envs()
    result = run_worker(
        {**solve_request(plan, tree.generations_dir / "0", envs, False), "solve_only": True}
    )
    if not result["ok"]:
        raise worker_failure(plan, result)
    for env in envs:
        solved = result["solved"][env.name]
        print(f"  env {env.name}: {' '.join(env.specs)} -> {len(solved)} packages")
        for name, version, build, _channel in solved:
            print(f"    {name} {version} {build}")
    for env in plan.all_envs():
        for check in env.checks:
            print(f"  check ({env.name}): {check}")
    print("  .condarc:")
    print("".join(f"    {line}\n" for line in condarc.splitlines()), end="")
    print(f"then point {tree.current_link} at it and keep {plan.keep} generations")
    return 0


def _ids(ids: list[int]) -> str:
    return ", ".join(map(str, ids))
