"""Wheelhouses: indexing, listing (avail_wheels) and, later, building site wheels."""
