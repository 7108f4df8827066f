"""The chart's two kinds of bar are told apart by people with any of the three colour blindnesses,
in grey print, and without colour at all (stripes and a legend).

Colour blindness is simulated with Machado, Oliveira and Fernandes (2009) at full severity on linear
RGB; the difference is CIE 1976 Lab distance (about 2 is just noticeable; the limit here is 40).
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from fhp_monitor.store import chart

SIMULATIONS = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]],
}


def linear(colour: str) -> np.ndarray:
    srgb = np.array([int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


def lab(rgb: np.ndarray) -> np.ndarray:
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ np.clip(rgb, 0, 1)
    t = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def difference(a: str, b: str, simulation: str | None = None) -> float:
    first, second = linear(a), linear(b)
    if simulation:
        matrix = np.array(SIMULATIONS[simulation])
        first, second = matrix @ first, matrix @ second
    return float(np.linalg.norm(lab(first) - lab(second)))


def relative_luminance(colour: str) -> float:
    return float(np.array([0.2126, 0.7152, 0.0722]) @ linear(colour))


@pytest.mark.parametrize("simulation", [None, *SIMULATIONS])
def test_sitting_tall_and_head_forward_differ_with_any_colour_vision(simulation: str | None) -> None:
    assert difference(chart.UPRIGHT_COLOUR, chart.FORWARD_COLOUR, simulation) >= 40, simulation


def test_the_simulation_can_fail_a_red_green_pair() -> None:
    assert difference("#d62728", "#2ca02c") > 60  # red and green: far apart to most eyes
    assert difference("#d62728", "#2ca02c", "deuteranopia") < 40  # nearly one colour without green cones


def test_the_two_bars_differ_in_grey_print_and_by_their_stripes() -> None:
    light, dark = sorted((relative_luminance(chart.UPRIGHT_COLOUR), relative_luminance(chart.FORWARD_COLOUR)))
    assert (dark + 0.05) / (light + 0.05) >= 2.0  # a clear difference in lightness alone
    source = inspect.getsource(chart)
    assert 'hatch="//"' in source and 'label=_("Head forward")' in source and "ax.legend(" in source
