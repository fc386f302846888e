"""The staged builder: a Site in, the SiteModel templates spell out.

Stages, each handing a frozen result to the next (stages.build_site runs them):
  naming      every version's full name, the names users can load   -> Names
  placing     each module's prefix, asked of its kind (kinds.py)     -> Placed
  relations   conflict sets, shared conflict files, defaults/aliases -> ops, ModuleRc
  operations  each module's typed operations, in order               -> ModuleSpec
Policy lives here, once; naming schemes (schemes.py) and kinds are objects the
stages ask, and the site's module tool and language come from pyherd.moduletools.
"""
