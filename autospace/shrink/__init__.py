"""Search-space shrinkage: LISSNAS (locality-based iterative shrinkage, our operationalisation of
Gopal et al., IJCAI 2023; docs/lissnas.md) and the baselines ``random``, ``op_prune`` and
``autospace`` behind one `Shrinker` interface; a `ShrunkSpace` is a space for ``search`` and ``evolve``.

```python
from autospace.evaluators import TabularEvaluator
from autospace.shrink import lissnas
table = TabularEvaluator.from_csv("../shared/data/nb201/cifar10.csv")
shrunk = lissnas("nb201", table, n=20, k=5, r=1, seed=0)
shrunk.save("shrunk_space.json")
```
"""

from autospace.shrink.base import Shrinker, get_shrinker, list_shrinkers, register_shrinker
from autospace.shrink.config import ShrinkConfig, ShrinkRunConfig, load_shrink_config, parse_shrink_config
from autospace.shrink.runner import ShrinkResult, lissnas, shrink, shrink_space
from autospace.shrink.space import ShrunkSpace, is_shrunk_file

__all__ = [
    "ShrinkConfig",
    "ShrinkResult",
    "ShrinkRunConfig",
    "Shrinker",
    "ShrunkSpace",
    "get_shrinker",
    "is_shrunk_file",
    "lissnas",
    "list_shrinkers",
    "load_shrink_config",
    "parse_shrink_config",
    "register_shrinker",
    "shrink",
    "shrink_space",
]
