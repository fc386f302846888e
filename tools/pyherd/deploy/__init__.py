"""Deploys over SSH: the `deploy:` keys (settings), what a deploy command means (target),
the trees and their manifests (trees), the host side (layout, scripts), connections
(hosts) and the run across hosts (run)."""
