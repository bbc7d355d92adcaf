"""The weight-sharing supernet (AutoSpace Eq. 3, 4, 6), shared by the phase-1 evaluator and every
phase-2 algorithm: mixed layers, binary gates, the weight bank, the builder and the trainer."""
