"""The code blocks of README.md and docs/*.md, read and run on tiny settings.

`tests/test_docs.py` uses this: every fenced `bash` and `python` block is
extracted from the Markdown (never copied into a test), its `keras-gan` and
`python benchmarks/...` lines are parsed with the real parsers, and the
blocks run in a temporary folder with tiny offline data (see
docs/testing.md, "Docs that cannot drift"). A block that cannot run says so
right before its fence: `<!-- docs-test: parse-only (reason) -->`.
"""

import argparse
import contextlib
import dataclasses
import importlib
import io
import json
import os
import pathlib
import re
import shlex
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
BASH = ("bash", "sh", "shell")
PYTHON = ("python", "py")
MARKER = re.compile(r"^<!--\s*docs-test:\s*parse-only\s*\((?P<reason>.+)\)\s*-->$")
FENCE = re.compile(r"^(?P<indent>\s*)```(?P<lang>[\w+-]*)\s*$")
ENV_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
# A dated run name as `keras-gan train` makes them: DATASET-YYYYmmdd-HHMMSS.
DATED_RUN = re.compile(r"^(?P<slug>.+)-\d{8}-\d{6}$")
# Benchmarks cheap enough to run here; the others take minutes to hours and
# their own tests run them on smoke settings.
RUNNABLE_BENCHMARKS = ("colour_check",)
# Tiny settings.
EVALUATE_N = "64"
SAMPLE_MAX_N = 16
COLOUR_CROPS_N = "256"
COLOUR_CHECK_N = "32"


def pages():
    """README.md and every docs/*.md, README first."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@dataclasses.dataclass
class Block:
    """One fenced code block of a page."""

    page: str
    line: int
    lang: str
    text: str
    parse_only: str = None  # the reason given, when it cannot run

    @property
    def where(self):
        return f"{self.page}:{self.line}"


@dataclasses.dataclass
class Command:
    """One shell command of a bash block."""

    kind: str  # "cli", "benchmark" or "other"
    argv: list
    env: dict
    text: str
    script: str = None  # a benchmark's module name


def _relative(path):
    path = pathlib.Path(path).resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def read_blocks(path):
    """The `bash` and `python` blocks of a Markdown file, in order."""
    path = pathlib.Path(path)
    lines = path.read_text().splitlines()
    blocks, i, previous = [], 0, ""
    while i < len(lines):
        match = FENCE.match(lines[i])
        if not match:
            if lines[i].strip():
                previous = lines[i].strip()
            i += 1
            continue
        start, indent, lang = i, len(match["indent"]), match["lang"].lower()
        body = []
        i += 1
        while i < len(lines) and lines[i].strip() != "```":
            body.append(lines[i][indent:] if lines[i][:indent].isspace() else lines[i])
            i += 1
        marker = MARKER.match(previous)
        if lang in BASH + PYTHON:
            blocks.append(
                Block(
                    page=_relative(path),
                    line=start + 1,
                    lang="bash" if lang in BASH else "python",
                    text="\n".join(body) + "\n",
                    parse_only=marker["reason"].strip() if marker else None,
                )
            )
        previous = ""
        i += 1
    return blocks


def commands(block):
    """The commands of a bash block: continuation lines joined, comments off."""
    joined, pending = [], ""
    for line in block.text.splitlines():
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        joined.append(pending + line)
        pending = ""
    if pending:
        joined.append(pending)
    result = []
    for text in joined:
        tokens = shlex.split(text, comments=True)
        if not tokens:
            continue
        env = {}
        while tokens and ENV_ASSIGNMENT.match(tokens[0]):
            key, _, value = tokens.pop(0).partition("=")
            env[key] = value
        result.append(_classify(tokens, env, text.strip()))
    return result


def _classify(tokens, env, text):
    if tokens and tokens[0] == "keras-gan":
        return Command("cli", tokens[1:], env, text)
    if (
        len(tokens) >= 2
        and tokens[0] in ("python", "python3")
        and re.fullmatch(r"benchmarks/\w+\.py", tokens[1])
    ):
        script = pathlib.Path(tokens[1]).stem
        return Command("benchmark", tokens[2:], env, text, script=script)
    return Command("other", tokens, env, text)


# --------------------------------------------------------------------------
# Parsing with the real parsers
# --------------------------------------------------------------------------


class _Parsed(Exception):
    """Raised by the patched `parse_args` once a script's parser accepted argv."""

    def __init__(self, namespace):
        super().__init__("parsed")
        self.namespace = namespace


def _parse_or_explain(parse, argv, what):
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            return parse(argv)
    except SystemExit as exit_:
        raise AssertionError(
            f"{what} rejects {' '.join(argv)!r} (exit {exit_.code}): {err.getvalue().strip()}"
        ) from None


def parse_cli(argv):
    """`argv` parsed by `keras-gan`'s own parser (raises AssertionError)."""
    from keras_gan.cli import build_parser

    parser = build_parser()
    # No abbreviations: the docs must spell each flag as the parser does.
    for each in (parser, *_subparsers(parser).choices.values()):
        each.allow_abbrev = False
    return _parse_or_explain(parser.parse_args, argv, "keras-gan")


def _subparsers(parser):
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def parse_benchmark(script, argv):
    """`argv` parsed by `benchmarks/<script>.py`'s own argparse, nothing run.

    The script's `main` runs with `ArgumentParser.parse_args` stopping right
    after a successful parse, so its parser is the one in the file.
    """
    module = importlib.import_module(f"benchmarks.{script}")
    original = argparse.ArgumentParser.parse_args

    def parse_then_stop(self, args=None, namespace=None):
        raise _Parsed(original(self, args, namespace))

    def parse(argv):
        argparse.ArgumentParser.parse_args = parse_then_stop
        try:
            module.main(argv)
        except _Parsed as parsed:
            return parsed.namespace
        finally:
            argparse.ArgumentParser.parse_args = original
        raise AssertionError(f"benchmarks/{script}.py's main() never parsed its arguments")

    return _parse_or_explain(parse, argv, f"benchmarks/{script}.py")


def parse_command(command):
    """Parses a `cli` or `benchmark` command; `other` commands are not parsed."""
    if command.kind == "cli":
        return parse_cli(command.argv)
    if command.kind == "benchmark":
        return parse_benchmark(command.script, command.argv)
    return None


def unrunnable(block):
    """Why a block without a parse-only marker cannot run, or None."""
    if block.lang == "python":
        return None
    for command in commands(block):
        if command.kind == "other":
            return f"{command.text!r} is neither `keras-gan` nor `python benchmarks/...`"
        if command.env:
            return f"{command.text!r} sets environment variables {sorted(command.env)}"
        if command.kind == "benchmark" and command.script not in RUNNABLE_BENCHMARKS:
            return (
                f"benchmarks/{command.script}.py is not among the quick ones {RUNNABLE_BENCHMARKS}"
            )
    return None


# --------------------------------------------------------------------------
# Tiny offline data
# --------------------------------------------------------------------------


def fake_images(n, shape, seed):
    """`n` uint8 images with a class-dependent bright square, and their labels."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 10
    images = rng.integers(0, 60, (n, *shape), dtype=np.uint8)
    size = shape[0] // 4
    for image, label in zip(images, labels):
        top, left = divmod(int(label), 4)
        image[top * size : (top + 1) * size, left * size : (left + 1) * size] = 230
    return images, labels.astype(np.uint8)


def fake_named_loader(shape):
    """A stand-in for a named dataset's loader: 320 train, 64 test images."""

    def load(split):
        return fake_images(320 if split == "train" else 64, shape, seed=split == "test")

    return load


def fake_keras_load_data(shape):
    """A stand-in for `keras.datasets.<name>.load_data`: `(train, test)` pairs."""
    load = fake_named_loader(shape)
    return lambda: (load("train"), load("test"))


def fake_mnist_sample():
    """400 digits-shaped images, held out 1 in 5 like the real 5,000."""
    images, labels = fake_images(400, (28, 28), seed=2)
    return images[..., None], labels.astype(np.int64)


def write_photos(folder, n=96, size=16):
    """A folder of small PNGs in two class sub-folders (`photos/` of the docs)."""
    from PIL import Image

    rng = np.random.default_rng(3)
    for i in range(n):
        sub = pathlib.Path(folder) / ("cats" if i % 2 else "dogs")
        sub.mkdir(parents=True, exist_ok=True)
        pixels = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(sub / f"{i:03d}.png")


# --------------------------------------------------------------------------
# Running on tiny settings
# --------------------------------------------------------------------------


def _set_flag(argv, flag, value):
    """`argv` with `flag`'s value replaced, or the flag added."""
    argv = list(argv)
    for i, token in enumerate(argv):
        if token == flag and i + 1 < len(argv):
            argv[i + 1] = value
            return argv
        if token.startswith(flag + "="):
            argv[i] = f"{flag}={value}"
            return argv
    return argv + [flag, value]


def _flag_value(argv, flag):
    for i, token in enumerate(argv):
        if token == flag and i + 1 < len(argv):
            return argv[i + 1]
        if token.startswith(flag + "="):
            return token.partition("=")[2]
    return None


class Runner:
    """Runs the blocks of the pages in one working folder, sharing runs.

    Keeps the run directories each page's commands created, so that a
    `logs/<run>` placeholder names the last run the same page made (or,
    before a page has made one, the last run of any page).
    """

    def __init__(self, backend):
        self.backend = backend
        self.all_runs = []
        self.done = {}  # tiny train argv already run -> its run directory
        self.log = []  # (where, what was done) for the report

    def run_page(self, page_blocks):
        page_runs, namespace = [], {"__name__": "__docs__"}
        for block in page_blocks:
            start = time.perf_counter()
            if block.parse_only:
                self._parse_only(block)
            elif block.lang == "python":
                exec(compile(block.text, block.where, "exec"), namespace)
                self.log.append((block.where, "ran the python block"))
            else:
                for command in commands(block):
                    self._run_command(block, command, page_runs)
            self.log.append((block.where, f"{time.perf_counter() - start:.1f} s"))
        return page_runs

    def _parse_only(self, block):
        if block.lang == "python":
            compile(block.text, block.where, "exec")
            return
        for command in commands(block):
            parse_command(command)
        self.log.append((block.where, f"parse-only: {block.parse_only}"))

    def _run_command(self, block, command, page_runs):
        parse_command(command)  # the docs' own argv, before any rewriting
        where = f"{block.where}: {command.text}"
        if command.kind == "benchmark":
            self._run_benchmark(command, page_runs, where)
            return
        argv = self.tiny_cli_argv(command.argv, page_runs)
        parse_cli(argv)
        # The same tiny run whichever backend the docs name.
        key = tuple(a for a in argv if a not in ("--backend", self.backend))
        if argv[0] == "train" and _flag_value(argv, "--resume") is None and key in self.done:
            page_runs.append(self.done[key])
            self.log.append((where, "parsed; the same tiny run already ran"))
            return
        from keras_gan import cli

        before = self._runs(argv)
        code = cli.main(argv)
        assert code == 0, f"{where}\n  ran as: keras-gan {' '.join(argv)}\n  exit code {code}"
        created = sorted(self._runs(argv) - before)
        if argv[0] == "train" and created:
            self.done[key] = created[-1]
        page_runs.extend(created)
        self.all_runs.extend(created)
        self.log.append((where, "ran: keras-gan " + " ".join(argv)))

    def _runs(self, argv):
        logdir = pathlib.Path(_flag_value(argv, "--logdir") or "logs")
        if not logdir.is_dir():
            return set()
        return {str(p) for p in logdir.iterdir() if (p / "training_options.json").is_file()}

    def resolve_run(self, value, page_runs):
        """A run directory for `value`: itself if it exists, else the page's last run."""
        if pathlib.Path(value).is_dir():
            return value
        candidates = page_runs or self.all_runs
        assert candidates, f"{value!r} does not exist and no earlier command made a run"
        dated = DATED_RUN.match(pathlib.Path(value).name)
        if dated:
            same = [r for r in candidates if pathlib.Path(r).name.startswith(dated["slug"] + "-")]
            candidates = same or candidates
        return candidates[-1]

    def tiny_cli_argv(self, argv, page_runs):
        """`keras-gan` argv on tiny settings (see docs/testing.md)."""
        argv = list(argv)
        command = argv[0]
        if _flag_value(argv, "--backend") is not None:
            argv = _set_flag(argv, "--backend", self.backend)
        for flag in ("--run", "--resume"):
            value = _flag_value(argv, flag)
            if value is not None:
                argv = _set_flag(argv, flag, self.resolve_run(value, page_runs))
        if command == "train":
            resumed = _flag_value(argv, "--resume")
            if resumed is None:
                argv = _set_flag(argv, "--epochs", "1")
                argv = _set_flag(argv, "--steps-per-epoch", "1")
            elif _flag_value(argv, "--epochs") is not None:
                # Extend by one epoch: the run's own count plus one.
                with open(os.path.join(resumed, "training_options.json")) as f:
                    epochs = json.load(f)["epochs"]
                argv = _set_flag(argv, "--epochs", str(epochs + 1))
        elif command == "evaluate":
            argv = _set_flag(argv, "--n", EVALUATE_N)
        elif command == "sample" and _flag_value(argv, "--n") is not None:
            argv = _set_flag(argv, "--n", str(min(int(_flag_value(argv, "--n")), SAMPLE_MAX_N)))
        return argv

    def _run_benchmark(self, command, page_runs, where):
        module = importlib.import_module(f"benchmarks.{command.script}")
        argv = list(command.argv)
        if command.script == "colour_check":
            if argv[0] == "crops":
                argv = _set_flag(argv, "--n", COLOUR_CROPS_N)
            else:
                argv[1] = self.resolve_run(argv[1], page_runs)
                argv = _set_flag(argv, "--n", COLOUR_CHECK_N)
        parse_benchmark(command.script, argv)
        code = module.main(argv)
        assert code in (0, None), f"{where}: exit code {code}"
        self.log.append((where, f"ran: python benchmarks/{command.script}.py " + " ".join(argv)))


def cap_fit(fit):
    """`GAN.fit` capped at one epoch of one step past `initial_epoch`."""

    def capped(self, *args, **kwargs):
        start = kwargs.get("initial_epoch", 0)
        kwargs["epochs"] = min(kwargs.get("epochs", 1), start + 1)
        kwargs["steps_per_epoch"] = 1
        return fit(self, *args, **kwargs)

    return capped


def cli_page_flags(path):
    """`{subcommand: {flags}}` from docs/cli.md's tables (first column)."""
    flags, current = {}, None
    for line in pathlib.Path(path).read_text().splitlines():
        heading = re.match(r"^## `keras-gan (\w+)`", line)
        if heading:
            current = heading[1]
            flags[current] = set()
        elif current and line.startswith("| `--"):
            first = line.split("|")[1]
            flags[current].update(re.findall(r"`(--[\w-]+)`", first))
    return flags


def parser_flags():
    """`{subcommand: {flags}}` of the real `keras-gan` parser (no --help)."""
    from keras_gan.cli import build_parser

    sub = _subparsers(build_parser())
    return {
        name: {
            flag
            for action in subparser._actions
            for flag in action.option_strings
            if flag not in ("-h", "--help")
        }
        for name, subparser in sub.choices.items()
    }


def heading_anchors(path):
    """GitHub's anchors of a Markdown file's headings (`## A b: c` -> `a-b-c`)."""
    anchors, seen = set(), {}
    in_fence = False
    for line in pathlib.Path(path).read_text().splitlines():
        if FENCE.match(line) or line.strip() == "```":
            in_fence = not in_fence
            continue
        heading = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if in_fence or not heading:
            continue
        slug = re.sub(r"[^\w\- ]", "", heading[1].lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def broken_links(path):
    """Relative links of a Markdown page whose file or heading does not exist."""
    path = pathlib.Path(path)
    text = re.sub(r"```.*?```", "", path.read_text(), flags=re.S)
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"^[a-z]+:", target):
            continue  # https:, mailto:
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.exists():
            broken.append(f"{target}: no such file")
        elif anchor and linked.suffix == ".md" and anchor not in heading_anchors(linked):
            broken.append(f"{target}: no heading with that anchor in {linked.name}")
    return broken
