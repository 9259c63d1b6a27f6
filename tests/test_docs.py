"""Docs that cannot drift: README.md's and docs/*.md's code blocks, run.

Every fenced `bash` and `python` block is read from the Markdown by
`tests/_docs.py`. `keras-gan` lines are parsed with the CLI's parser and run
in this process on tiny settings; `python benchmarks/...` lines are parsed
with that script's own argparse (the quick `colour_check.py` also runs);
Python blocks run in order, one namespace per page, with `fit` capped at one
step. Named datasets are tiny synthetic arrays, so nothing downloads. A block
that cannot run carries `<!-- docs-test: parse-only (reason) -->`.
docs/testing.md describes the rewrites.
"""

import pytest

import keras

from keras_gan import data as data_lib
from keras_gan.data import loading
from keras_gan.data import mnist_sample
from keras_gan.gan import GAN
from tests import _docs

PAGES = _docs.pages()
PAGE_IDS = [str(p.relative_to(_docs.ROOT)) for p in PAGES]

tensorflow_only = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="the docs run in this process on TensorFlow (tests/backends covers the others)",
)


def _all_blocks():
    return [block for page in PAGES for block in _docs.read_blocks(page)]


def test_pages_have_blocks_and_the_readme_is_among_them():
    assert PAGE_IDS[0] == "README.md"
    assert "docs/cli.md" in PAGE_IDS
    blocks = _all_blocks()
    assert {b.page for b in blocks} >= {"README.md", "docs/quality.md", "docs/benchmarks.md"}
    assert any(b.lang == "python" for b in blocks)


def test_every_block_runs_or_says_why_it_cannot():
    problems = []
    for block in _all_blocks():
        if block.parse_only is not None:
            if not block.parse_only:
                problems.append(f"{block.where}: parse-only without a reason")
            continue
        why = _docs.unrunnable(block)
        if why:
            problems.append(
                f"{block.where}: {why}; make it runnable or put "
                "`<!-- docs-test: parse-only (reason) -->` right before it"
            )
    assert not problems, "\n".join(problems)


def test_every_command_parses_with_its_own_parser():
    # Fast, and also covers the parse-only blocks.
    problems, parsed = [], 0
    for block in _all_blocks():
        if block.lang == "python":
            try:
                compile(block.text, block.where, "exec")
            except SyntaxError as err:
                problems.append(f"{block.where}: {err}")
            continue
        for command in _docs.commands(block):
            try:
                parsed += _docs.parse_command(command) is not None
            except AssertionError as err:
                problems.append(f"{block.where}: {err}")
    assert not problems, "\n".join(problems)
    assert parsed >= 10


def test_cli_page_lists_every_flag_of_every_subcommand():
    page = _docs.cli_page_flags(_docs.ROOT / "docs" / "cli.md")
    real = _docs.parser_flags()
    missing = {
        name: sorted(flags - page.get(name, set()))
        for name, flags in real.items()
        if flags - page.get(name, set())
    }
    unknown = {
        name: sorted(flags - real.get(name, set()))
        for name, flags in page.items()
        if flags - real.get(name, set())
    }
    assert not missing, f"docs/cli.md lacks these flags: {missing}"
    assert not unknown, f"docs/cli.md lists flags the parser lacks: {unknown}"


def test_links_between_pages_name_files_and_headings_that_exist():
    broken = {page: _docs.broken_links(page) for page in PAGES}
    assert not any(broken.values()), {k.name: v for k, v in broken.items() if v}


def test_tiny_rewrites_keep_the_docs_flags_and_shrink_the_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run = tmp_path / "logs" / "mnist_sample-20260101-000000"
    run.mkdir(parents=True)
    (run / "training_options.json").write_text('{"epochs": 3}')
    runner = _docs.Runner("tensorflow")
    argv = runner.tiny_cli_argv(
        ["train", "--backend", "torch", "--dataset", "mnist", "--epochs", "30"], [str(run)]
    )
    assert argv == [
        "train",
        "--backend",
        "tensorflow",
        "--dataset",
        "mnist",
        "--epochs",
        "1",
        "--steps-per-epoch",
        "1",
    ]
    argv = runner.tiny_cli_argv(
        ["train", "--resume", "logs/mnist_sample-20261129-173831", "--epochs", "10"], [str(run)]
    )
    assert argv == ["train", "--resume", str(run), "--epochs", "4"]
    assert runner.tiny_cli_argv(["evaluate", "--run", "logs/<run>"], [str(run)]) == [
        "evaluate",
        "--run",
        str(run),
        "--n",
        _docs.EVALUATE_N,
    ]


@pytest.fixture(scope="module")
def docs_runner(tmp_path_factory):
    """A working folder with tiny offline data, `fit` capped, one Runner."""
    root = tmp_path_factory.mktemp("docs")
    _docs.write_photos(root / "photos")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        mp.setenv("KERAS_GAN_CACHE", str(root / "cache"))
        mp.setenv("TF_CPP_MIN_LOG_LEVEL", "3")
        for name, shape in (
            ("mnist", (28, 28)),
            ("fashion_mnist", (28, 28)),
            ("cifar10", (32, 32, 3)),
        ):
            mp.setitem(loading._NAMED_WITH_SPLITS, name, _docs.fake_named_loader(shape))
        mp.setattr(mnist_sample, "load_mnist_sample", _docs.fake_mnist_sample)
        # Snippets that call Keras' loaders directly get the same arrays.
        for name, shape in (
            ("mnist", (28, 28)),
            ("fashion_mnist", (28, 28)),
            ("cifar10", (32, 32, 3)),
        ):
            mp.setattr(
                getattr(keras.datasets, name), "load_data", _docs.fake_keras_load_data(shape)
            )
        mp.setattr(GAN, "fit", _docs.cap_fit(GAN.fit))
        assert data_lib.load_arrays("mnist")[0].shape == (320, 28, 28, 1)
        assert keras.datasets.mnist.load_data()[1][0].shape == (64, 28, 28)
        yield _docs.Runner(keras.backend.backend())


@pytest.mark.slow
@tensorflow_only
@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_page_runs(page, docs_runner):
    start = len(docs_runner.log)
    docs_runner.run_page(_docs.read_blocks(page))
    # What ran and what was only parsed, for -rA / a failing neighbour's report.
    print("\n".join(f"{where}: {what}" for where, what in docs_runner.log[start:]))
