"""The core's two policies built from the user's settings: when to nudge, and how often to look."""

from __future__ import annotations

from fhp_monitor.core.posture import NudgePolicy, parse_quiet_hours
from fhp_monitor.core.sampling import SamplingPolicy
from fhp_monitor.settings.schema import NudgeSettings, SamplingSettings


def nudge_policy_from(nudges: NudgeSettings) -> NudgePolicy:
    """When to nudge: the ``nudges`` section of the settings as the posture monitor's policy."""
    return NudgePolicy(
        onset_delay_s=nudges.onset_delay_s,
        forward_fraction=nudges.forward_fraction,
        cooldown_s=nudges.cooldown_min * 60.0,
        max_per_hour=nudges.max_per_hour,
        quiet_hours=parse_quiet_hours(nudges.quiet_hours),
    )


def sampling_policy_from(sampling: SamplingSettings, onset_delay_s: float) -> SamplingPolicy:
    """How often to look: the ``sampling`` section, plus the nudge onset delay a fast look must fit in."""
    return SamplingPolicy(interval_s=sampling.interval_s, max_interval_s=sampling.max_interval_s,
                          fast_s=sampling.fast_interval_s, away_idle_s=sampling.away_interval_s,
                          onset_delay_s=onset_delay_s)
