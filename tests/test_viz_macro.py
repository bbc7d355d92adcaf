"""LCMNAS figures: WDG edges and widths, hyper-parameter bars, the layer chain with its costs."""

from __future__ import annotations

import subprocess
import sys

from matplotlib.figure import Figure

from autospace.macro import LayerSpec, MacroGenome, macro_cost
from autospace.macro.wdg import WDG
from autospace.viz.macro import MAX_WIDTH, chain_table, draw_chain, draw_param_distributions, draw_wdg

L = LayerSpec.of
GENOME = MacroGenome([L("Conv2d", out_channels=4, kernel_size=3), L("ReLU"), L("Conv2d", out_channels=6, kernel_size=5),
                      L("ReLU"), L("MaxPool2d", kernel_size=2), L("Linear", out_features=3)], (1, 8, 8), 3)


def _by_gid(fig: Figure, prefix: str) -> dict[str, object]:
    return {a.get_gid(): a for a in fig.findobj() if isinstance(a.get_gid(), str) and a.get_gid().startswith(prefix)}


def test_wdg_edges_and_widths_follow_counts() -> None:
    wdg = WDG.from_genome(GENOME, "g")
    fig = draw_wdg(wdg)
    edges = _by_gid(fig, "edge-")
    assert set(edges) == {f"edge-{u}-{v}" for u, out in wdg.transitions.items() for v in out}
    assert edges["edge-Conv2d-ReLU"].get_linewidth() == MAX_WIDTH  # the most frequent transition (2)
    assert edges["edge-START-Conv2d"].get_linewidth() == MAX_WIDTH / 2
    assert set(_by_gid(fig, "node-")) == {f"node-{n}" for n in wdg.nodes}


def test_param_bars_are_the_counts() -> None:
    wdg = WDG.from_layers("k", [L("Conv2d", out_channels=4, kernel_size=3)] * 3 + [L("Linear", out_features=2)])
    fig = draw_param_distributions(wdg)
    bars = _by_gid(fig, "bars-")
    assert set(bars) == {"bars-Conv2d-out_channels", "bars-Conv2d-kernel_size", "bars-Linear-out_features"}
    assert [p.get_height() for p in bars["bars-Conv2d-kernel_size"].patches] == [3]


def test_chain_shows_every_layer_and_the_total_cost() -> None:
    fig = draw_chain(GENOME)
    assert len(_by_gid(fig, "layer-")) == len(GENOME)
    rows = chain_table(GENOME)
    assert (sum(r[2] for r in rows), sum(r[3] for r in rows)) == macro_cost(GENOME)
    madds, params = macro_cost(GENOME)
    assert f"{madds:,} MAdds, {params:,} params" in fig.axes[0].get_title()


def test_macro_figures_do_not_import_torch() -> None:
    code = "import sys, autospace.viz.macro, autospace.macro.walk; print('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"
