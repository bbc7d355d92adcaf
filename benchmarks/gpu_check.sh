#!/usr/bin/env bash
# The CUDA checks, in a few minutes on one GPU: every cuda-marked test (bf16 autocast round,
# torch.compile'd paths, device synchronisations per supernet step), supernet_bench on cuda
# (--json) and the per-step profile of supernet_profile.py.
#   bash benchmarks/gpu_check.sh            (PYTHON=... to pick the interpreter)
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
PY="${PYTHON:-python3}"
"$PY" -c "import torch; assert torch.cuda.is_available(), 'no CUDA device'; print(torch.__version__, torch.cuda.get_device_name())"
"$PY" -m pytest -q -s -p no:cacheprovider -m cuda tests/
"$PY" benchmarks/supernet_bench.py --device cuda --steps 40
(cd benchmarks && "$PY" supernet_profile.py --device cuda --n 4 --steps 5 --top 12)
