"""The colours every figure shares: one colour per op name, and the greys for dead parts.

The same op name gets the same colour in every figure. Ops that play the same role in
different spaces share a colour (``conv3x3`` and NB201's ``nor_conv_3x3``; ``identity`` and
``skip_connect``), so figures of different spaces read alike. An op name not listed here gets
a stable colour from the tab20 palette, chosen by a checksum of the name.
"""

from __future__ import annotations

import zlib

from matplotlib import colormaps
from matplotlib.colors import to_hex

OP_COLORS: dict[str, str] = {
    "conv1x1": "#4c72b0",
    "nor_conv_1x1": "#4c72b0",
    "conv3x3": "#c44e52",
    "nor_conv_3x3": "#c44e52",
    "dwconv3x3": "#55a868",
    "dwconv5x5": "#26828e",
    "dwconv7x7": "#183f2e",
    "identity": "#8172b3",
    "skip_connect": "#8172b3",
    "avg_pool_3x3": "#dd8452",
    "zero": "#bbbbbb",
    "none": "#bbbbbb",
    "expand": "#555555",
    "project": "#555555",
}
"""Op name -> colour for the ops of the named spaces and the fixed expand/project edges."""

DEAD_COLOR = "#c8c8c8"
"""Fill and text colour of dead nodes and edges (no non-zero path from source to sink)."""

INPUT_COLOR = "#d9ead3"
OUTPUT_COLOR = "#fce5cd"
INNER_COLOR = "#ffffff"
INK = "#222222"

SAVE_DPI = 150


def op_color(op: str) -> str:
    """The colour of an op in every figure.

    Args:
        op: the op's name.

    Returns:
        A matplotlib colour.
    """
    if op in OP_COLORS:
        return OP_COLORS[op]
    palette = colormaps["tab20"]
    return to_hex(palette(zlib.crc32(op.encode()) % palette.N))
