"""The conda engine: tree plans, installs as generations, rollback and garbage collection."""
