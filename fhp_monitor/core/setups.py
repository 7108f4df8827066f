"""One calibration per setup: named calibrations, and which of them the picture in front of the camera fits.

A *setup* is a place the user works at with the camera where it stands there (a laptop on the desk,
the same laptop beside an external monitor). Each setup keeps its own calibration, saved under a
name the user can change. The picture's *signature* is what the camera-moved check compares
(core/setup_watch.py): how big the user sits in the picture (shoulder width, or ear-shoulder distance
in a side view, as a share of the frame width) and where (the shoulder midpoint). A calibration
already records both (``Baseline.body``), with how much they wobbled while the user sat still.

**Which setup fits.** When the camera-moved check fires, the median of the last minute's pictures
(:meth:`SetupWatch.picture <fhp_monitor.core.setup_watch.SetupWatch.picture>`) is compared with each
saved setup by the same measure and the same limits as the check itself: a setup fits when, made
against that setup's calibration, the check would *not* call the camera moved (|log size change| and
the shoulder offset both within that calibration's limits, which grow with its own spread). Of
several that fit, the nearest wins. So two setups are told apart exactly when moving between them
would fire the check at all, and no number here is tuned to any recording. A fitting setup is used
without a question; none fitting is a new place, and the user is asked once to sit tall again.

Pure: the standard library only.
"""

from __future__ import annotations

import math
import statistics
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from fhp_monitor.core.calibration import Baseline
from fhp_monitor.core.geometry import FRONT_RATIO_FLOOR, SIDE_RATIO
from fhp_monitor.core.i18n import N_, _
from fhp_monitor.core.setup_watch import SetupLimits

#: The name the calibration made before setups existed gets (translated when it is first named).
FIRST_NAME = N_("Desk")
#: The name offered for a new setup: "Setup 2", "Setup 3", ...
NEXT_NAME = N_("Setup {number}")
MAX_NAME = 40
MAX_SETUPS = 20


@dataclass(frozen=True)
class Setup:
    """A saved calibration and its name."""

    name: str
    baseline: Baseline


@dataclass(frozen=True)
class Picture:
    """Where and how big the user sits in the current picture: the shoulder midpoint (shares of the
    frame's width and height), the shoulder width and the ear-shoulder distance (shares of its width)
    and the frame's height over its width."""

    x: float
    y: float
    front: float
    side: float
    aspect: float = 1.0
    known_view: str | None = None  # a calibration's own view (``of_baseline``); else told from the ratio

    @property
    def view(self) -> str | None:
        """The view the picture was taken in, told as geometry.read_posture tells it (None: in between)."""
        if self.known_view is not None:
            return self.known_view
        ratio = self.front / self.side if self.side > 0 else math.inf
        return "front" if ratio >= FRONT_RATIO_FLOOR else "side" if ratio <= SIDE_RATIO else None

    @classmethod
    def median_of(cls, signals: Iterable[dict[str, float]]) -> "Picture | None":
        """The median picture of readings' signals (``picture_*`` from geometry.read_posture); None if none has them."""
        keys = ("picture_x", "picture_y", "picture_front", "picture_side", "aspect")
        rows = [[s[k] for k in keys] for s in signals if all(k in s and math.isfinite(s[k]) for k in keys)]
        if not rows:
            return None
        return cls(*(statistics.median(column) for column in zip(*rows)))

    @classmethod
    def of_baseline(cls, baseline: Baseline) -> "Picture | None":
        """The picture a calibration was taken in (its body), as if seen again."""
        body = baseline.body
        if body is None:
            return None
        return cls(body.body_x, body.body_y, body.body_frac, body.body_frac, 1.0, baseline.view)


def distance(baseline: Baseline, picture: Picture) -> float | None:
    """How far ``picture`` is from where ``baseline`` was taken, in units of the camera-moved limits of
    that calibration (at most 1: the check would not call the camera moved). None for a calibration
    that did not record the body (a file from before version 2)."""
    body = baseline.body
    if body is None or body.body_frac <= 0:
        return None
    size = picture.front if body.view == "front" else picture.side
    if not size or size <= 0:
        return None
    limits = SetupLimits.for_body(body)
    scale = math.log(size / body.body_frac)
    place = math.hypot(picture.x - body.body_x, (picture.y - body.body_y) * picture.aspect) / body.body_frac
    return max(abs(scale) / limits.scale, place / limits.place)


def best_fit(setups: Sequence[Setup], picture: Picture | None) -> Setup | None:
    """The saved setup ``picture`` fits (the nearest of those within their limits and of its view), or None."""
    if picture is None or picture.view is None:
        return None
    near = [(d, setup) for setup in setups
            if setup.baseline.view == picture.view
            and (d := distance(setup.baseline, picture)) is not None and d <= 1.0]
    return min(near, key=lambda item: item[0])[1] if near else None


class SetupShelf(Protocol):
    """The saved setups, as the monitor worker sees them (store/setups.py implements it).

    Thread contract: called on the worker thread only; each call reads or writes one small file and
    may block for that long. Errors are OSError or calibration.CalibrationError; the caller logs them
    and goes on as if there were no other setup.
    """

    def saved(self) -> Sequence[Setup]:
        """Every saved setup, read afresh (a rename or delete elsewhere is seen)."""

    def active(self) -> str | None:
        """The name of the setup in use, or None when there is none."""

    def activate(self, name: str) -> Baseline:
        """Make ``name`` the setup in use (its calibration becomes the current one) and return it."""


# --------------------------------------------------------------------------- names and the book


def clean_name(text: str) -> str:
    """A name as it is kept: control characters out, spaces squeezed; ValueError (words for the user) if
    empty or longer than MAX_NAME."""
    kept = "".join(" " if unicodedata.category(c).startswith(("C", "Z")) else c for c in str(text))
    name = " ".join(kept.split())
    if not name:
        raise ValueError(_("Please give the setup a name."))
    if len(name) > MAX_NAME:
        raise ValueError(_("Please use a shorter name (at most {count} letters).").format(count=MAX_NAME))
    return name


def _same(a: str, b: str) -> bool:
    return a.casefold() == b.casefold()


@dataclass(frozen=True)
class SetupBook:
    """The saved setups (in the order they were made) and the name of the one in use."""

    setups: tuple[Setup, ...] = ()
    active: str | None = None

    @property
    def names(self) -> list[str]:
        return [setup.name for setup in self.setups]

    def find(self, name: str) -> Setup | None:
        return next((setup for setup in self.setups if _same(setup.name, name)), None)

    def current(self) -> Setup | None:
        return None if self.active is None else self.find(self.active)

    def next_name(self) -> str:
        """The name offered for a new setup: 'Setup 2' when one is saved, the first free number."""
        number = len(self.setups) + 1
        while self.find(_(NEXT_NAME).format(number=number)) is not None:
            number += 1
        return _(NEXT_NAME).format(number=number)

    def fitting(self, baseline: Baseline) -> Setup | None:
        """The saved setup a new calibration was taken at (its picture fits it), if any."""
        return best_fit(self.setups, Picture.of_baseline(baseline))

    def saved(self, name: str, baseline: Baseline) -> "SetupBook":
        """With ``baseline`` kept as ``name`` (replacing a setup of that name) and in use."""
        name = clean_name(name)
        old = self.find(name)
        if old is None and len(self.setups) >= MAX_SETUPS:
            raise ValueError(_("There are already {count} setups: please delete one first.").format(count=MAX_SETUPS))
        new = Setup(old.name if old else name, baseline)
        setups = tuple(new if s is old else s for s in self.setups) if old else (*self.setups, new)
        return SetupBook(setups, new.name)

    def renamed(self, old: str, new: str) -> "SetupBook":
        found = self._named(old)
        new = clean_name(new)
        other = self.find(new)
        if other is not None and other is not found:
            raise ValueError(_("There is already a setup called \u201c{name}\u201d.").format(name=other.name))
        setups = tuple(replace(s, name=new) if s is found else s for s in self.setups)
        return SetupBook(setups, new if self.active is not None and _same(self.active, found.name) else self.active)

    def deleted(self, name: str) -> "SetupBook":
        found = self._named(name)
        if self.active is not None and _same(found.name, self.active):
            raise ValueError(_("\u201c{name}\u201d is the setup in use now, so it cannot be deleted. "
                               "Sit at another setup first.").format(name=found.name))
        return SetupBook(tuple(s for s in self.setups if s is not found), self.active)

    def _named(self, name: str) -> Setup:
        found = self.find(str(name).strip())
        if found is None:
            raise ValueError(_("There is no setup called \u201c{name}\u201d.").format(name=name))
        return found
