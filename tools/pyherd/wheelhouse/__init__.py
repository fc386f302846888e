"""Wheelhouses: the `wheelhouse:` keys (settings), where files go (layout), building site
wheels (plan, sources, builder, steps, retag), indexing them (index, wheelfile, pages,
catalog), the jobs commands run (jobs), and `avail_wheels` (avail)."""
