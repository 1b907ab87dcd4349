"""Which of a burst of ``org.settings_changed`` events matter: each org's latest (its copy keeps
only that), in org id order, the order a transaction takes the orgs' locks in, so two replicas
storing overlapping bursts cannot deadlock."""

from __future__ import annotations

from libs.contracts.orgs import OrgSettings


def latest_per_org(events: list[OrgSettings]) -> list[OrgSettings]:
    latest: dict[str, OrgSettings] = {}
    for event in events:
        key = str(event.org_id)
        if key not in latest or latest[key].changed_at < event.changed_at:
            latest[key] = event
    return [latest[key] for key in sorted(latest)]
