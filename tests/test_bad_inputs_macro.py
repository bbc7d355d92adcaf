"""Bad inputs of macro search (LCMNAS), in the pattern of ``tests/test_bad_inputs.py``: every
malformed macro genome, WDG file or ``[lcmnas]`` run config handed to the CLI exits 2 with one
line on stderr naming the field or file, no traceback, and leaves the working directory
(``--out`` included) byte for byte as it was."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from bad_input_case import Case, assert_rejected

GOOD_GENOME = {"schema_version": 1, "input_shape": [1, 8, 8], "num_classes": 10,
               "layers": [{"type": "Conv2d", "out_channels": 4, "kernel_size": 3}, {"type": "ReLU"},
                          {"type": "Linear", "out_features": 10}]}

CONFIG = """
[evolve]
space = "macro"
strategy = "lcmnas"
population = 3
rounds = 1
[lcmnas]
zoo = ["alexnet"]
input_shape = [1, 8, 8]
max_length = 8
width = 0.0625
[evaluator]
name = "zero_cost"
skeleton = "macro"
proxy = "lcmnas"
data = "digits"
batch_size = 16
"""


def genome_file(content: object | str) -> Callable[[Path], None]:
    def write(tmp: Path) -> None:
        text = content if isinstance(content, str) else json.dumps(content)
        (tmp / "genome.json").write_text(text)
    return write


def show(case_id: str, names: str, content: object | str) -> Case:
    return Case(case_id, ("macro", "show", "{tmp}/genome.json"), names, genome_file(content))


def layers(*items: dict) -> dict:
    return {**GOOD_GENOME, "layers": [*items, {"type": "Linear", "out_features": 10}]}


def config(edit: Callable[[str], str], files: dict[str, str] | None = None) -> Callable[[Path], None]:
    def write(tmp: Path) -> None:
        (tmp / "lcmnas.toml").write_text(edit(CONFIG))
        for name, text in (files or {}).items():
            (tmp / name).write_text(text)
    return write


def evolve(case_id: str, names: str, edit: Callable[[str], str], files: dict[str, str] | None = None) -> Case:
    return Case(case_id, ("evolve", "--config", "{tmp}/lcmnas.toml", "--out", "{out}", "--quiet"), names,
                config(edit, files))


def replace(old: str, new: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        assert old in text
        return text.replace(old, new)
    return edit


CASES = [
    show("genome_truncated", "genome.json", '{"schema_version": 1, "layers": ['),
    show("genome_not_object", "macro genome must be a JSON object", "[1, 2]"),
    show("genome_schema", "schema_version=2", {**GOOD_GENOME, "schema_version": 2}),
    show("genome_missing_layers", "missing the field 'layers'", {k: v for k, v in GOOD_GENOME.items() if k != "layers"}),
    show("genome_extra_field", "unknown field 'skeleton'", {**GOOD_GENOME, "skeleton": "tiny"}),
    show("genome_layer_type", "layer 0: type='Conv3d'", layers({"type": "Conv3d"})),
    show("genome_layer_field", "layer 1 (Conv2d): field 'kernel_size'=2 must be odd",
         layers({"type": "ReLU"}, {"type": "Conv2d", "out_channels": 2, "kernel_size": 2})),
    show("genome_layer_unknown_field", "layer 0 (ReLU): field 'inplace' is unknown", layers({"type": "ReLU", "inplace": True})),
    show("genome_layer_bool", "field 'out_channels'=True", layers({"type": "Conv2d", "out_channels": True, "kernel_size": 3})),
    show("genome_pool_too_large", "layer 0 (MaxPool2d): field 'kernel_size'=9 is larger than the 8x8 map",
         layers({"type": "MaxPool2d", "kernel_size": 9})),
    show("genome_map_after_linear", "layer 1 (BatchNorm2d) needs a feature map",
         layers({"type": "Linear", "out_features": 5}, {"type": "BatchNorm2d"})),
    show("genome_no_classifier", "must be the classifier", {**GOOD_GENOME, "layers": GOOD_GENOME["layers"][:2]}),
    show("genome_wrong_classes", "out_features=3 (num_classes)", {**GOOD_GENOME, "num_classes": 3}),
    show("genome_input_shape", "field 'input_shape'=[8, 8]", {**GOOD_GENOME, "input_shape": [8, 8]}),
    show("genome_not_json", "genome.json", "\xe9{}"),
    Case("show_missing_file", ("macro", "show", "{tmp}/nope.json"), "nope.json"),
    Case("extract_unknown_model", ("macro", "extract", "--zoo", "resnet9", "--out", "{out}"), "'resnet9' is not a zoo model"),
    evolve("strategy_without_macro", "strategy 'lcmnas' searches space 'macro'", replace('space = "macro"', 'space = "autospace"')),
    evolve("macro_without_strategy", "evolve.strategy='autospace' and evolve.space='macro'",
           replace('strategy = "lcmnas"', 'strategy = "autospace"')),
    evolve("lcmnas_unknown_key", "lcmnas", replace("max_length = 8", "max_lenght = 8")),
    evolve("lcmnas_mode", "lcmnas.mode='greedy'", replace("max_length = 8", 'max_length = 8\nmode = "greedy"')),
    evolve("lcmnas_counts", "lcmnas.param_counts='ones'", replace("max_length = 8", 'max_length = 8\nparam_counts = "ones"')),
    evolve("lcmnas_elitism", "lcmnas.elitism=1.5", replace("max_length = 8", "max_length = 8\nelitism = 1.5")),
    evolve("lcmnas_width", "lcmnas.width=2.0", replace("width = 0.0625", "width = 2.0")),
    evolve("lcmnas_zoo", "lcmnas.zoo: 'lenet'", replace('zoo = ["alexnet"]', 'zoo = ["lenet"]')),
    evolve("lcmnas_input_shape_str", "lcmnas", replace("input_shape = [1, 8, 8]", 'input_shape = "8x8"')),
    evolve("lcmnas_shape_vs_data", "lcmnas.input_shape=[3, 8, 8]", replace("input_shape = [1, 8, 8]", "input_shape = [3, 8, 8]")),
    evolve("lcmnas_section_for_cells", "[lcmnas] is only for evolve.space='macro'",
           lambda t: t.replace('space = "macro"', 'space = "nb201"').replace('strategy = "lcmnas"', 'strategy = "random"')),
    evolve("evaluator_skeleton", "evaluator.skeleton='macro' goes with evolve.space='macro'",
           replace('skeleton = "macro"', 'skeleton = "tiny"')),
    evolve("macro_with_skeleton", "takes no skeleton", replace('strategy = "lcmnas"', 'strategy = "lcmnas"\nskeleton = "tiny"')),
    evolve("macro_with_reference", "takes no [reference]", lambda t: t + '[reference]\nnb201 = "|none~0|"\n'),
    evolve("mixed_combine", "evaluator.combine='sum'",
           replace('name = "zero_cost"\nskeleton = "macro"\nproxy = "lcmnas"\ndata = "digits"\nbatch_size = 16',
                   'name = "mixed"\nskeleton = "macro"\nproxy = "lcmnas"\ndata = "digits"\ncombine = "sum"')),
    evolve("low_fidelity_fractions", "train_fraction=0.9 and val_fraction=0.5",
           replace('name = "zero_cost"\nskeleton = "macro"\nproxy = "lcmnas"\ndata = "digits"\nbatch_size = 16',
                   'name = "low_fidelity"\nskeleton = "macro"\ndata = "digits"\ntrain_fraction = 0.9\nval_fraction = 0.5')),
    evolve("low_fidelity_one_fraction", "give both or neither",
           replace('name = "zero_cost"\nskeleton = "macro"\nproxy = "lcmnas"\ndata = "digits"\nbatch_size = 16',
                   'name = "low_fidelity"\nskeleton = "macro"\ndata = "digits"\ntrain_fraction = 0.1')),
    evolve("wdg_file_missing", "lcmnas.wdg_files", replace("zoo = [\"alexnet\"]", 'zoo = []\nwdg_files = ["nope.json"]')),
    evolve("wdg_file_bad_edge", "edge 'START' -> 'Conv3d'", replace("zoo = [\"alexnet\"]", 'wdg_files = ["w.json"]'),
           {"w.json": json.dumps({"schema_version": 1, "name": "w", "transitions": {"START": {"Conv3d": 1}},
                                  "params": {}})}),
    evolve("wdg_file_truncated", "w.json", replace("zoo = [\"alexnet\"]", 'wdg_files = ["w.json"]'), {"w.json": "{"}),
    evolve("zoo_and_files_empty", "both empty", replace("zoo = [\"alexnet\"]", "zoo = []")),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_macro_input_is_one_line_exit_2(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    if case.setup is not None:
        case.setup(tmp_path)
    assert_rejected(case, tmp_path, capsys)
