"""Capture before a change, restore on rollback: the footprint (paths described and resolved on the host), the
strategies (files, crontab, firewall, unit state, database dumps), the content-addressed blob store, the
engine that puts them together, and previews of a change."""
