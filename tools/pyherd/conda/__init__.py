"""Conda trees: the `conda:` keys (settings), where files go (layout), what installing a
tree means (plan), installs as generations (install, generations, worker, engine, vendor,
checks), autoupdate (autoupdate, diff, nightly), and rollback and gc (maintain)."""
