"""The core's policies built from the user's settings: when to nudge, and how often to look."""

from __future__ import annotations

from fhp_monitor.core.posture import NudgePolicy, parse_quiet_hours
from fhp_monitor.core.sampling import SamplingPolicy
from fhp_monitor.settings.schema import Settings


def policy_from(settings: Settings) -> NudgePolicy:
    n = settings.nudges
    return NudgePolicy(
        onset_delay_s=n.onset_delay_s,
        forward_fraction=n.forward_fraction,
        cooldown_s=n.cooldown_min * 60.0,
        max_per_hour=n.max_per_hour,
        quiet_hours=parse_quiet_hours(n.quiet_hours),
    )


def sampling_from(settings: Settings) -> SamplingPolicy:
    s = settings.sampling
    return SamplingPolicy(interval_s=s.interval_s, max_interval_s=s.max_interval_s, fast_s=s.fast_interval_s,
                          away_idle_s=s.away_interval_s, onset_delay_s=settings.nudges.onset_delay_s)
