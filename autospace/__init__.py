"""autospace: learn neural-architecture search spaces (AutoSpace) instead of hand-writing them."""

__version__ = "0.1.0"
