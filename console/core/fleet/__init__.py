"""Fleets: one command or plan across many hosts.

- `targets` — what a target names (`web1`, `@web`, `web1,@db`) resolved against the inventory's hosts, labels and
  groups; pure.
- `ansible` — Ansible inventory files (INI and YAML) read into hosts and groups.
- `waves` — `serial` and `max_fail`: how a rollout's hosts are split into waves and when a wave stops it; pure.
- `records` — what a fan-out or a rollout returns (`FleetOutcome`, `HostRun`) and how it is counted.
- `fanout` and `rollout` (in `console.core.session`) run them through the same step runner as one host.
"""
