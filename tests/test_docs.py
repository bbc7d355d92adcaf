"""The documentation cannot drift from the code: every Python block of README.md and docs/guide/
and every script in examples/python/ runs, every path they name exists, the README stays short
and keeps the set-up commands, and the docs site builds with ``mkdocs build --strict``.

A Python block preceded by ``<!-- skip: REASON -->`` is not run; one preceded by
``<!-- needs: PATH [PATH ...] -->`` is skipped when a path (relative to the repository root, e.g.
``../shared/data/...``) is absent. The blocks of one page run in order in one process and share
one namespace, in a temporary copy of the repository's layout (``examples/`` and ``../shared``
linked, a tiny ``runs/digits`` made beforehand), so a page reads like a session.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
GUIDE = REPO / "docs" / "guide"
EXAMPLES = REPO / "examples" / "python"

SETUP_COMMANDS = (
    'pip install -e ".[test]" && autospace evolve --config examples/digits.toml --out runs/digits',
    "python -m pytest -q",
)

FENCE = re.compile(r"^(?P<marks>(?:<!-- (?:skip|needs):[^>]*-->\n)*)```(?P<lang>\w*)\n(?P<body>.*?)^```", re.S | re.M)
MD_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
REPO_PATH = re.compile(r"(?<![\w./-])((?:docs|examples|benchmarks|tests|autospace|\.ci)/[\w./*-]*[\w*])(::\w+)?")
OUT_DIR = re.compile(r"--out\s+(\S+)|\bout=[\"']([^\"']+)[\"']|Path\([\"'](runs/[^\"']+)[\"']\)")


def python_blocks(path: Path) -> list[tuple[str, str | None]]:
    """``(code, skip reason or None)`` of every fenced ``python`` block of ``path``."""
    blocks = []
    for match in FENCE.finditer(path.read_text()):
        if match["lang"] != "python" or match["body"].lstrip().startswith("--8<--"):
            continue  # snippet includes are the example scripts, run by test_example_scripts_run
        reason = None
        for mark in re.findall(r"<!-- (skip|needs):([^>]*)-->", match["marks"]):
            if mark[0] == "skip":
                reason = mark[1].strip()
            missing = [p for p in mark[1].split() if mark[0] == "needs" and not (REPO / p).exists()]
            if missing:
                reason = f"{', '.join(missing)} absent"
        blocks.append((match["body"], reason))
    return blocks


def doc_pages() -> list[Path]:
    return [README, *sorted(GUIDE.glob("*.md"))]


def checked_files() -> Iterator[Path]:
    yield README
    yield from sorted((REPO / "docs").rglob("*.md"))
    yield from sorted(p for p in (REPO / "examples").rglob("*") if p.suffix in (".toml", ".py"))


# ----------------------------------------------------------------------------- README


def test_readme_is_short_and_keeps_the_setup_commands() -> None:
    text = README.read_text()
    assert len(text.splitlines()) <= 250
    for command in SETUP_COMMANDS:
        assert command in text


def test_no_run_directory_is_written_twice_by_the_readme() -> None:
    text = README.read_text()
    outs = [next(g for g in m.groups() if g) for block in FENCE.finditer(text) for m in OUT_DIR.finditer(block["body"])]
    assert "runs/digits" in outs  # the set-up command, the first one
    repeated = sorted({out for out in outs if outs.count(out) > 1})
    assert not repeated, f"README writes these run directories twice: {repeated}"


# ----------------------------------------------------------------------------- paths


def slug(heading: str) -> str:
    """The anchor Python-Markdown's ``toc`` gives a heading (what mkdocs and the site link to)."""
    text = unicodedata.normalize("NFKD", heading).encode("ascii", "ignore").decode()
    return re.sub(r"[-\s]+", "-", re.sub(r"[^\w\s-]", "", text).strip().lower())


def anchors(page: Path) -> set[str]:
    text = re.sub(r"^```.*?^```", "", page.read_text(), flags=re.S | re.M)  # no headings in code
    return {slug(h) for h in re.findall(r"^#+ (.*)$", text, re.M)}


def _missing(source: Path) -> list[str]:
    text = source.read_text()
    missing = []
    for target in MD_LINK.findall(text):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue
        path, _, anchor = target.partition("#")
        if not (source.parent / path).exists():
            missing.append(target)
        elif anchor and path.endswith(".md") and anchor not in anchors(source.parent / path):
            missing.append(target)
    for path, test_name in REPO_PATH.findall(text):
        if not glob.glob(str(REPO / path)):
            missing.append(path)
        elif test_name and f"def {test_name[2:]}(" not in (REPO / path).read_text():
            missing.append(path + test_name)
    return missing


@pytest.mark.parametrize("source", list(checked_files()), ids=lambda p: str(p.relative_to(REPO)))
def test_every_relative_path_exists(source: Path) -> None:
    assert _missing(source) == []


def test_the_path_check_finds_stale_paths(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    (tmp_path / "other.md").write_text("# A page\n\n## The `supernet` evaluator\n")
    page.write_text("see [x](nowhere.md), [y](other.md#the-supernet-evaluator), [z](other.md#gone), "
                    "`docs/readme/lcmnas.md`, tests/test_docs.py::no_such_test and `examples/digits.toml`")
    assert _missing(page) == ["nowhere.md", "other.md#gone", "docs/readme/lcmnas.md",
                              "tests/test_docs.py::no_such_test"]


# ----------------------------------------------------------------------------- running the code


@pytest.fixture(scope="session")
def image_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One decoded-image cache for every docs test (CIFAR-10 is decoded at most once)."""
    return tmp_path_factory.mktemp("autospace_cache")


def _env(cache: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
            "MPLBACKEND": "Agg", "AUTOSPACE_CACHE": str(cache), "OMP_NUM_THREADS": "1"}


@pytest.fixture(scope="session")
def tiny_digits_run(tmp_path_factory: pytest.TempPathFactory, image_cache: Path) -> Path:
    """``runs/digits`` as set-up step 1 writes it, at a few rounds and steps (seconds, not minutes)."""
    run = tmp_path_factory.mktemp("tiny") / "digits"
    overrides = ["evolve.rounds=2", "evolve.population=6", "evolve.sample_size=3", "evaluator.steps=4",
                 "evaluator.total_steps=8"]
    subprocess.run([sys.executable, "-m", "autospace.cli", "evolve", "--config", str(REPO / "examples" / "digits.toml"),
                    "--out", str(run), "--quiet", *(f"--set={o}" for o in overrides)],
                   check=True, env=_env(image_cache), cwd=REPO)
    return run


def _workdir(tmp_path: Path, digits_run: Path | None) -> Path:
    """A repository-like folder: ``examples/`` linked, ``../shared`` linked when present."""
    work = tmp_path / "repo"
    work.mkdir()
    (work / "examples").symlink_to(REPO / "examples")
    if (REPO.parent / "shared").exists():
        (tmp_path / "shared").symlink_to(REPO.parent / "shared")
    if digits_run is not None:
        shutil.copytree(digits_run, work / "runs" / "digits")
    return work


RUNNER = """
import sys
namespace = {"__name__": "__main__"}
for number, path in enumerate(sys.argv[1:], 1):
    print(f"--- block {number}", flush=True)
    exec(compile(open(path).read(), path, "exec"), namespace)
"""


@pytest.mark.parametrize("page", [p for p in doc_pages() if python_blocks(p)], ids=lambda p: str(p.relative_to(REPO)))
def test_doc_python_blocks_run(page: Path, tmp_path: Path, request: pytest.FixtureRequest, image_cache: Path) -> None:
    blocks = python_blocks(page)
    runnable = [code for code, reason in blocks if reason is None]
    if not runnable:
        pytest.skip("; ".join(reason for _, reason in blocks if reason))
    digits = request.getfixturevalue("tiny_digits_run") if any("runs/digits" in c for c in runnable) else None
    work = _workdir(tmp_path, digits)
    files = []
    for number, code in enumerate(runnable, 1):
        files.append(tmp_path / f"{page.stem}_block{number}.py")
        files[-1].write_text(code)
    result = subprocess.run([sys.executable, "-c", RUNNER, *map(str, files)], cwd=work, env=_env(image_cache),
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{page.name}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"


def _run_example(name: str, args: list[str], tmp_path: Path, cache: Path) -> str:
    result = subprocess.run([sys.executable, str(EXAMPLES / name), *args], cwd=tmp_path, env=_env(cache),
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def test_custom_strategy_example_runs(tmp_path: Path, image_cache: Path) -> None:
    out = _run_example("custom_strategy.py", ["--seeds", "2", "--rounds", "20"], tmp_path, image_cache)
    rows = {line.split()[0]: line.split() for line in out.splitlines()[2:]}
    assert set(rows) == {"elitist-mutation", "regularized", "random"}
    assert rows["elitist-mutation"][-1] == "1.000"  # the user's strategy finds every layer's optimum


def test_evaluator_ablation_example_runs(tmp_path: Path, image_cache: Path) -> None:
    data = REPO.parent / "shared" / "data"
    if not (data / "nb201" / "cifar10.csv").is_file() or not (data / "cifar10" / "cifar10-jpeg.tar.gz").is_file():
        out = _run_example("evaluator_ablation.py", [], tmp_path, image_cache)
        assert out.startswith("skipped: data not found")
        pytest.skip("../shared/data is absent: the example says so and stops")
    out = _run_example("evaluator_ablation.py", ["--rounds", "2"], tmp_path, image_cache)
    rows = [line.split() for line in out.splitlines()[2:]]
    assert [row[0] for row in rows] == ["tabular", "zero_cost", "low_fidelity", "supernet"]
    assert all(50.0 < float(row[2]) <= 94.38 for row in rows)  # test200 of a real NB201 cell


def test_cell_statistics_example_runs(tmp_path: Path, image_cache: Path) -> None:
    out = _run_example("cell_statistics.py", ["--out", "figs"], tmp_path, image_cache)
    assert "20 learned cells" in out
    figures = sorted(p.name for p in (tmp_path / "figs").iterdir())
    assert figures == ["enrichment.png", "hamming_spread.png", "motifs.png", "op_frequency.png"]


def test_every_example_script_is_tested_and_rendered() -> None:
    scripts = sorted(p.name for p in EXAMPLES.glob("*.py"))
    tested = sorted(re.findall(r'_run_example\("(\w+\.py)"', Path(__file__).read_text()))
    assert sorted(set(tested)) == scripts
    page = (GUIDE / "examples.md").read_text()
    assert all(f'--8<-- "examples/python/{name}"' in page for name in scripts)


# ----------------------------------------------------------------------------- docstrings

# Files whose docstrings are being rewritten elsewhere (issue 23's supernet-fitness work); each leaves
# this set once its public docstrings document their arguments.
DOCSTRINGS_PENDING = frozenset({
    "autospace/supernet/trainer.py", "autospace/evaluators/supernet.py", "autospace/nn/skeleton.py",
    "autospace/data/datasets.py", "autospace/evaluators/low_fidelity.py", "autospace/evaluators/zero_cost.py",
    "autospace/evaluators/prior.py",
})


def _rendered(package: object) -> Iterator[object]:
    """The objects the reference pages render: each ``::: path`` directive's object or its members."""
    for page in sorted((REPO / "docs" / "reference").glob("*.md")):
        for path, members in re.findall(r"^::: (\S+)(?:\n    options:\n      members: (\[.*\]|false))?", page.read_text(), re.M):
            obj = package.modules_collection[path]  # type: ignore[attr-defined]
            if members == "false":
                continue
            if members:
                yield from (obj[name.strip()] for name in members.strip("[]").split(","))
            elif obj.is_module:
                names = obj.exports if obj.exports is not None else [  # without __all__: what it defines
                    n for n, m in obj.members.items() if not n.startswith("_") and not m.is_alias]
                yield from (obj[n if isinstance(n, str) else n.name] for n in names)
            else:
                yield obj


def _undocumented(obj: object) -> list[str]:
    """``path: names`` of parameters (or dataclass fields) a Google docstring does not document."""
    doc = obj.docstring  # type: ignore[attr-defined]
    if doc is None:  # not rendered at all (mkdocstrings hides objects without a docstring)
        return []
    documented = {item.name.lstrip("*") for section in doc.parsed if section.kind.value in
                  ("parameters", "other parameters", "attributes") for item in section.value}
    if obj.is_class:  # type: ignore[attr-defined]
        init = obj.members.get("__init__")  # type: ignore[attr-defined]
        names = [p.name for p in init.parameters][1:] if init is not None and init.is_function else []
    else:
        names = [p.name for p in obj.parameters if p.name not in ("self", "cls")]  # type: ignore[attr-defined]
    missing = [n for n in names if n not in documented]
    return [f"{obj.path}: {', '.join(missing)}"] if missing else []  # type: ignore[attr-defined]


def test_public_docstrings_document_their_arguments() -> None:
    griffe = pytest.importorskip("griffe")
    package = griffe.load("autospace", search_paths=[str(REPO)], docstring_parser="google")
    gaps, seen = [], set()
    for obj in _rendered(package):
        obj = obj.final_target if obj.is_alias else obj
        if obj.path in seen or str(obj.relative_filepath) in DOCSTRINGS_PENDING:
            continue
        seen.add(obj.path)
        members = [m for n, m in obj.members.items() if not n.startswith("_") and not m.is_alias] if obj.is_class else []
        for item in [obj, *members]:
            if item.is_function or item.is_class:
                gaps += _undocumented(item)
    assert len(seen) > 150  # the reference renders the public API of every subpackage
    assert gaps == []


# ----------------------------------------------------------------------------- the site


def test_every_results_page_states_command_machine_and_date() -> None:
    for page in sorted((REPO / "docs" / "results").glob("*.md")):
        if page.name in ("index.md", "fitness.md"):
            continue
        text = page.read_text()
        assert "**Command" in text and "**Machine:**" in text and "**Date:**" in text, page.name


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    pytest.importorskip("mkdocs")
    pytest.importorskip("mkdocstrings")
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
                            cwd=REPO, capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "site" / "reference" / "evolve" / "index.html").is_file()
