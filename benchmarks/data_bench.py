"""CIFAR-10 data path speed, measured in one run (printed, not asserted).

1. First decode: the ImageFolder archive streamed, hashed, decoded with Pillow and written to a
   fresh cache (a temporary ``$AUTOSPACE_CACHE``); images per second. Target >= 2,000/s.
2. Cached load: ``get_dataset("cifar10", archive, split="nb201")`` again (archive hashed, entry
   verified against its manifest, val and test normalised); seconds. Target <= 2 s.
3. Augmentation: crop (pad 4) + flip + normalise of a 64-image uint8 training batch
   (`ImageTransform`), on CPU and, when there is one, on CUDA; median milliseconds per batch.

4. Data share: data time / step time over CPU training steps of the NAS-Bench-201 network
   (`nb201` skeleton, every edge built, the ResNet cell, batch 64). Target <= 5 %.

Usage: ``python benchmarks/data_bench.py [--archive FILE] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import torch

from autospace.data import cached_image_tree, get_dataset
from autospace.data.batches import epoch_batches
from autospace.genome import Genome
from autospace.nn import build_network, get_skeleton
from autospace.train.device import seeded

RESNET_CELL = "|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|skip_connect~2|"

DEFAULT_ARCHIVE = Path(__file__).resolve().parents[2] / "shared" / "data" / "cifar10" / "cifar10-jpeg.tar.gz"
TARGETS = {"decode_images_per_s": 2000.0, "cached_load_s": 2.0, "nb201_data_share": 0.05}


def bench_loading(archive: Path) -> tuple[dict[str, Any], Any]:
    start = time.perf_counter()
    arrays = cached_image_tree(archive)
    first_s = time.perf_counter() - start
    images = sum(len(labels) for labels in arrays.labels.values())
    start = time.perf_counter()
    data = get_dataset("cifar10", archive, split="nb201")
    cached_s = time.perf_counter() - start
    return {"images": images, "first_decode_s": first_s, "decode_images_per_s": images / first_s,
            "cached_load_s": cached_s, "split": data.describe()}, data


def bench_augment(data: Any, batch: int, batches: int, device: str) -> dict[str, Any]:
    train = data.train.to(device)
    generator = torch.Generator().manual_seed(0)
    times = []
    for step in range(batches + 5):
        indices = torch.randint(len(train), (batch,), generator=generator)
        images = train.images[indices.to(device)]
        if device == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        train.transform(images, generator)
        if device == "cuda":
            torch.cuda.synchronize()
        if step >= 5:  # warm-up excluded
            times.append(time.perf_counter() - start)
    return {"device": device, "batch": batch, "batches": batches, "ms_per_batch_median": 1e3 * statistics.median(times),
            "ms_per_batch_min": 1e3 * min(times)}


def nb201_share(data: Any, batch: int, steps: int) -> dict[str, Any]:
    """Data time (drawing, cropping, flipping and normalising a batch) against the whole step
    (data + forward, backward and SGD update) of the NAS-Bench-201 network with the ResNet cell,
    over ``steps`` training steps after 2 warm-up steps, on the CPU."""
    genome = Genome.from_nb201(RESNET_CELL)
    with seeded(0):
        model = build_network(get_skeleton("nb201"), genome, data.num_classes, build_rule="all")
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    batches = epoch_batches(data.train, batch, torch.Generator().manual_seed(0))
    data_s = compute_s = 0.0
    for step in range(steps + 2):
        start = time.perf_counter()
        x, y = next(batches)
        fetched = time.perf_counter()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        done = time.perf_counter()
        if step >= 2:
            data_s, compute_s = data_s + fetched - start, compute_s + done - fetched
    return {"measured": True, "cell": RESNET_CELL, "batch": batch, "steps": steps,
            "data_ms_per_step": 1e3 * data_s / steps, "step_ms": 1e3 * (data_s + compute_s) / steps,
            "nb201_data_share": data_s / (data_s + compute_s)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", type=Path, default=DEFAULT_ARCHIVE)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--batches", type=int, default=200)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    parser.add_argument("--share-steps", type=int, default=20, help="training steps timed for the data share")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory(prefix="autospace_cache_") as cache:
        os.environ["AUTOSPACE_CACHE"] = cache
        loading, data = bench_loading(args.archive)
    devices = ["cpu", *(["cuda"] if torch.cuda.is_available() else [])]
    result = {"machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "torch_threads": args.threads},
              "archive": str(args.archive), "loading": loading,
              "augment": [bench_augment(data, args.batch, args.batches, d) for d in devices],
              "nb201_data_share": nb201_share(data, args.batch, args.share_steps), "targets": TARGETS}
    if args.json:
        print(json.dumps(result, indent=1))
        return
    print(f"first decode : {loading['images']} images in {loading['first_decode_s']:.2f} s = "
          f"{loading['decode_images_per_s']:,.0f} images/s (target >= {TARGETS['decode_images_per_s']:,.0f})")
    print(f"cached load  : {loading['cached_load_s']:.2f} s (target <= {TARGETS['cached_load_s']}) -> "
          f"{loading['split']}")
    for row in result["augment"]:
        print(f"augment      : {row['ms_per_batch_median']:.3f} ms per {row['batch']}-image batch on {row['device']} "
              f"(median of {row['batches']}; min {row['ms_per_batch_min']:.3f})")
    share = result["nb201_data_share"]
    print(f"nb201 share  : data {share['data_ms_per_step']:.2f} ms of a {share['step_ms']:.1f} ms CPU step = "
          f"{100 * share['nb201_data_share']:.2f} % (target <= {100 * TARGETS['nb201_data_share']:.0f} %; "
          f"{share['steps']} steps, batch {share['batch']})")


if __name__ == "__main__":
    main()
