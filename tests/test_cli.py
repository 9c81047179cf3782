"""The `engram` command, called in-process and as an installed console script."""

import subprocess
import sys

import pytest

from engram_env.cli import estimate_space_size, main
from engram_env.registry import get_generator


def test_list_filters_and_stats(capsys):
    assert main(["list", "--tier", "0", "--domain", "arithmetic"]) == 0
    out = capsys.readouterr().out
    assert "addition" in out and "multiplication" not in out
    assert main(["list", "--pattern", "recursive_decomposition", "--stats"]) == 0
    out = capsys.readouterr().out
    assert "division" in out and "size@10" in out


def test_space_size_estimate_is_sane():
    addition = get_generator("addition")
    # level 1 holds exactly 100 problems (a, b in 0..9); the birthday estimate lands near it
    estimate = float(estimate_space_size(addition, 1, samples=400).lstrip("~"))
    assert 60 <= estimate <= 160
    assert estimate_space_size(addition, 10).startswith(">")


def test_show_prints_prompt_steps_and_answer(capsys):
    assert main(["show", "addition", "-d", "2", "-s", "5"]) == 0
    out = capsys.readouterr().out
    problem = get_generator("addition").problem(5, 2)
    assert problem.prompt in out and problem.target in out and f"answer: {problem.answer}" in out


def test_play_reports_verdicts_and_return(capsys):
    problem = get_generator("addition").problem(0, 2)
    lines = [problem.steps[0], "hint", "0+0+0=1", "bad ÷", f"answer {problem.answer}"]
    from engram_env.cli import build_parser, cmd_play

    args = build_parser().parse_args(["play", "addition", "-d", "2", "-s", "0"])
    assert cmd_play(args, lines) == 0
    out = capsys.readouterr().out
    assert "step 1 correct" in out and "step 2 wrong" in out and "not in the vocabulary" in out
    assert "answer correct" in out or "answer wrong" in out
    assert "return" in out


def test_validate_passes_and_fails_loudly(capsys, monkeypatch):
    assert main(["validate", "--tasks", "addition", "comparison", "--samples", "5"]) == 0
    assert "ok:" in capsys.readouterr().out
    # a generator that writes a character outside the vocabulary must fail validation
    addition = get_generator("addition")
    monkeypatch.setattr(type(addition), "problem", lambda self, seed, d: self.make(d, "x", ["÷"], "1"))
    assert main(["validate", "--tasks", "addition", "--samples", "2"]) == 1
    assert "FAILED" in capsys.readouterr().out


def test_console_script_and_bad_task():
    result = subprocess.run([sys.executable, "-m", "engram_env.cli", "show", "additon"],
                            capture_output=True, text=True)
    assert result.returncode != 0 and "did you mean 'addition'" in result.stderr
    with pytest.raises(SystemExit):
        main(["show", "addition", "-d", "11"])
