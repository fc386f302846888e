"""Deploys over SSH: the site's rendered trees to its hosts, and pyherd runs on its build hosts."""
