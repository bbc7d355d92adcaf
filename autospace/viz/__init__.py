"""Figures of a run: cells, learned motifs (Fig. 4: mined sub-structures), cell statistics, evolution curves, convergence
(Fig. 3), ranking fidelity (Table 6), a search run's architecture and curves, and the run report.

Every figure function takes plain data and returns a matplotlib `Figure` (no pyplot, so any
backend works); nothing here imports torch.
"""

from autospace.errors import VizError
from autospace.viz.cells import add_cell, add_motif, describe_cell, draw_cell
from autospace.viz.evolution import convergence, diversity_curves, fitness_curves, reference_distance, switch_off_round
from autospace.viz.fidelity import check_ranking_fidelity, ranking_fidelity
from autospace.viz.io import (
    EvolveRunDir,
    SearchRunDir,
    as_learned_space,
    load_learned_space,
    load_run,
    load_search_run,
)
from autospace.viz.learned import learned_motifs, motifs, topk_grid
from autospace.viz.report import build_report, save_report, write_report
from autospace.viz.search import architecture_figure, search_curves
from autospace.viz.stats import cost_per_layer, op_frequency, op_heatmap, ratio_counts, ratio_per_layer
from autospace.viz.style import OP_COLORS, op_color

__all__ = [
    "OP_COLORS",
    "EvolveRunDir",
    "SearchRunDir",
    "VizError",
    "add_cell",
    "add_motif",
    "architecture_figure",
    "as_learned_space",
    "build_report",
    "check_ranking_fidelity",
    "convergence",
    "cost_per_layer",
    "describe_cell",
    "diversity_curves",
    "draw_cell",
    "fitness_curves",
    "learned_motifs",
    "load_learned_space",
    "load_run",
    "load_search_run",
    "motifs",
    "op_color",
    "op_frequency",
    "op_heatmap",
    "ranking_fidelity",
    "ratio_counts",
    "ratio_per_layer",
    "reference_distance",
    "save_report",
    "search_curves",
    "switch_off_round",
    "topk_grid",
    "write_report",
]
