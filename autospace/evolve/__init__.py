"""Evolution of layer-wise cell populations (the paper's DEA) on DEAP, with ablation strategies.

```python
from autospace import evaluators, evolve, genome
ev = evaluators.TabularEvaluator.from_csv("../shared/data/nb201/cifar10.csv")
run = evolve.evolve(genome.get_space("nb201"), ev, strategy="regularized", population=20, rounds=30)
run.learned_space.save("learned_space.json")
```
"""

from autospace.evolve.checkpoint import Checkpoint, load_checkpoint, save_checkpoint
from autospace.evolve.config import EvolveConfig
from autospace.evolve.engine import Engine
from autospace.evolve.history import History
from autospace.evolve.individual import Fitness, Individual
from autospace.evolve.learned import LearnedSpace, Ranked
from autospace.evolve.momentum import momentum_update
from autospace.evolve.reference import ReferenceConstraint
from autospace.evolve.runconfig import RunConfig, load_run_config
from autospace.evolve.runner import EvolveResult, evolve

__all__ = [
    "Checkpoint",
    "Engine",
    "EvolveConfig",
    "EvolveResult",
    "Fitness",
    "History",
    "Individual",
    "LearnedSpace",
    "Ranked",
    "ReferenceConstraint",
    "RunConfig",
    "evolve",
    "load_checkpoint",
    "load_run_config",
    "momentum_update",
    "save_checkpoint",
]
