"""The motif enrichment of a learned space against a baseline that obeys the run's per-layer MAdds
cap (README, Fig. 4): per layer of the skeleton, ``--per-layer`` cells drawn uniformly from the
open space (``numpy.random.default_rng(--seed)``) whose MAdds in that layer are within ``--cap``.

    python benchmarks/motifs_capped_baseline.py runs/cifar10/learned_space.json --skeleton cifar --cap 15e6
"""

from __future__ import annotations

import argparse

import numpy as np

from autospace.evolve import LearnedSpace
from autospace.genome import mine_motifs
from autospace.nn import get_skeleton, layer_cost
from autospace.viz.learned import enrichment_text


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("learned", help="learned_space.json")
    ap.add_argument("--skeleton", default="cifar")
    ap.add_argument("--cap", type=float, default=15e6, help="per-layer MAdds cap of the run")
    ap.add_argument("--per-layer", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--top", type=int, default=4, help="motifs per size")
    args = ap.parse_args(argv)
    learned = LearnedSpace.load(args.learned)
    skeleton, rng = get_skeleton(args.skeleton), np.random.default_rng(args.seed)
    baseline = []
    for spec in skeleton.layers:
        cells = []
        while len(cells) < args.per_layer:
            g = learned.space.sample(rng)
            if layer_cost(spec, g)[0] <= args.cap:
                cells.append(g)
        baseline.append(cells)
    learned_table = mine_motifs([[r.genome for r in layer] for layer in learned.layers])
    random_table = mine_motifs(baseline)
    held = {m.describe(): m.cells for m in random_table.motifs}
    for size in (1, 2, 3):
        for m in learned_table.of_size(size)[:args.top]:
            share = held.get(m.describe(), 0) / random_table.cells
            capped = "only learned" if share == 0 else f"x{m.share / share:.2g}"
            print(f"{m.describe():<60} {m.cells}/{m.total} cells  uniform {enrichment_text(m)}  capped {capped}")


if __name__ == "__main__":
    main()
