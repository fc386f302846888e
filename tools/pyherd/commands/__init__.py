"""One module per subcommand: add_arguments(parser) and run(args, paths).

A command parses, calls one service, prints what it returns, and leaves errors to
the CLI (their class carries the exit code). No command imports another; what two
commands share is a service (pyherd.project, pyherd.modulefiles, ...) or an option
(pyherd.options).
"""
