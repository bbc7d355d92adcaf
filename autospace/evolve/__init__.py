"""Evolution of layer-wise cell populations (the paper's DEA) on DEAP, with ablation strategies.

```python
from autospace import evaluators, evolve, genome
ev = evaluators.TabularEvaluator.from_csv("../shared/data/nb201/cifar10.csv")
run = evolve.evolve_space(genome.get_space("nb201"), ev, strategy="regularized", population=20, rounds=30)
run.learned_space.save("learned_space.json")
```
"""

from autospace.evolve.config import EvolveConfig
from autospace.evolve.engine import Engine
from autospace.evolve.history import History
from autospace.evolve.individual import Individual
from autospace.evolve.learned import LearnedSpace, Ranked
from autospace.evolve.runconfig import RunConfig, load_run_config
from autospace.evolve.runner import EvolveResult, evolve_space
from autospace.evolve.strategies import Strategy, get_strategy, list_strategies, register_strategy

__all__ = [
    "Engine",
    "EvolveConfig",
    "EvolveResult",
    "History",
    "Individual",
    "LearnedSpace",
    "Ranked",
    "RunConfig",
    "Strategy",
    "evolve_space",
    "get_strategy",
    "list_strategies",
    "load_run_config",
    "register_strategy",
]
