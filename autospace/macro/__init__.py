"""Macro search (LCMNAS): whole networks as layer chains (`MacroGenome`), their analytic cost,
weighted directed graphs of layer transitions learned from existing models (`WDG`) and weighted
random walks over them. Importing this package never imports torch (`autospace.macro.build` and
`autospace.macro.extract` do)."""

from autospace.macro.cost import macro_cost
from autospace.macro.genome import MacroGenome, canonical_layers
from autospace.macro.layers import LAYER_FIELDS, LayerSpec

__all__ = ["LAYER_FIELDS", "LayerSpec", "MacroGenome", "canonical_layers", "macro_cost"]
