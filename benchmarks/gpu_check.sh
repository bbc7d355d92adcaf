#!/usr/bin/env bash
# The evaluators' CUDA checks, in well under 5 minutes on one GPU: the cuda-marked tests
# (bf16 autocast round, torch.compile'd paths) and supernet_bench on cuda (--json).
#   bash benchmarks/gpu_check.sh            (PYTHON=... to pick the interpreter)
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
PY="${PYTHON:-python3}"
"$PY" -c "import torch; assert torch.cuda.is_available(), 'no CUDA device'; print(torch.__version__, torch.cuda.get_device_name())"
"$PY" -m pytest -q -p no:cacheprovider -m cuda tests/test_supernet_evaluator.py
"$PY" benchmarks/supernet_bench.py --device cuda --steps 10 --json
