"""Text to pixels for ``render_mode="rgb_array"``: the ansi view drawn in a monospace font.

Frames have one fixed shape (``FRAME_SHAPE``) whatever the episode holds, so video recorders
(``gymnasium.wrappers.RecordVideo``) and tools that ask for ``rgb_array`` by default (SB3 makes
string env ids with it) work unchanged. Long lines are wrapped and a frame shows at most
``MAX_LINES`` of them, ending with how many were left out. Matplotlib is imported on the first
frame only, so ``import engram_env`` does not pay for it.
"""

from __future__ import annotations

import textwrap

import numpy as np

COLUMNS = 100  # characters per line before wrapping
MAX_LINES = 30
DPI = 100
FONT_SIZE = 9  # points: a monospace character is 7.5 px wide and a line 13.6 px high at 100 dpi
FRAME_SHAPE = (432, 768, 3)  # height, width, RGB: 30 lines of 100 characters, sides divisible by 16


def frame_lines(text: str) -> list[str]:
    """Wrap ``text`` at ``COLUMNS`` and cut it to ``MAX_LINES``, the last saying what was cut."""
    lines = [piece for line in text.splitlines()
             for piece in (textwrap.wrap(line, COLUMNS, subsequent_indent="  ",
                                         drop_whitespace=False) or [""])]
    if len(lines) > MAX_LINES:
        left_out = len(lines) - (MAX_LINES - 1)
        lines = lines[: MAX_LINES - 1] + [f"... {left_out} more lines"]
    return lines


def text_frame(text: str) -> np.ndarray:
    """An RGB ``uint8`` array of shape ``FRAME_SHAPE`` showing ``text`` black on white."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    height, width, _ = FRAME_SHAPE
    figure = Figure(figsize=(width / DPI, height / DPI), dpi=DPI, facecolor="white")
    canvas = FigureCanvasAgg(figure)
    figure.text(0.01, 0.99, "\n".join(frame_lines(text)), family="monospace", size=FONT_SIZE,
                va="top", ha="left", linespacing=1.1)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[:, :, :3].copy()
