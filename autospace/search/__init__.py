"""Phase 2: architecture search on a layer-wise space under a MAdds budget, and final training.

Algorithms (`search_architecture`): ``proxyless-g`` (ProxylessNAS gradient), ``rl`` (REINFORCE), ``spos``
(single-path one-shot with evolutionary or random selection) over the candidates of each layer
of a learned space, the manual ``irb`` space or a seeded sample of the ``open`` space; ``ea``
(direct evolution over the whole open space). Output: an `autospace.nn.Architecture` (architecture.json).
"""

from autospace.search.budget import Budget, project
from autospace.search.runner import (
    build_context,
    execute,
    get_algorithm,
    list_algorithms,
    prepare,
    register_algorithm,
    search_architecture,
)
from autospace.search.space import LayerSpace, resolve_space

__all__ = [
    "Budget",
    "LayerSpace",
    "build_context",
    "execute",
    "get_algorithm",
    "list_algorithms",
    "prepare",
    "project",
    "register_algorithm",
    "resolve_space",
    "search_architecture",
]
