"""Phase 2: architecture search under a MAdds budget (`search_architecture`): ``proxyless-g``, ``rl``
and ``spos`` over the candidates of each layer of a learned space, ``irb`` or a sample of ``open``;
``ea``, direct evolution over the whole open space. Output: an `autospace.nn.Architecture`."""

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
