"""Leaderboard reports: ranking and score, Markdown, mismatched inputs, TensorBoard learning
curves, scripts/leaderboard.py, and the HTML page as headless Chromium renders it."""

from __future__ import annotations

import doctest
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

from agents import leaderboard
from agents.evaluation import (
    EvalConfig,
    ResultsError,
    evaluate,
    load_agent,
    make_problems,
    write_results,
)
from agents.leaderboard import Leaderboard, build_report, engram_score, learning_curves
from engram_env.vocab import encode

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CONFIG = EvalConfig(tasks=("addition", "caesar_cipher", "binary_search", "bfs_order",
                           "coin_change"), difficulties=(1, 4), problems=5, samples=2)  # tiers 0-4


class Sometimes:
    """The reference solution for every other problem, a wrong answer otherwise: an agent in
    between the baselines, so the page shows more than 0% and 100%."""

    name = "half-right"

    def solve(self, problems):
        return [p.target_ids if p.seed % 2 == 0 else encode("no", eos=True) for p in problems]


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("results")
    problems = make_problems(CONFIG)
    agents = [load_agent(k) for k in ("random", "oracle", "answer-only")] + [Sometimes()]
    for agent in agents:
        results = evaluate(agent, CONFIG, problems=problems, progress=False)
        write_results(results, folder / f"{results.agent.name}.json")
    return folder


def test_ranking_and_score(results_dir):
    board = Leaderboard.from_files([results_dir])
    assert [e.name for e in board.entries] == ["oracle", "half-right", "answer-only", "random"]
    assert [e.rank for e in board.entries] == [1, 2, 3, 4]
    scores = {e.name: e.score for e in board.entries}
    assert scores["oracle"] == 100.0 and scores["answer-only"] == 50.0 and scores["random"] == 0.0
    # the score is the mean over tasks of each task's mean return, times 100
    half = next(e for e in board.entries if e.name == "half-right").results
    per_task = [m["mean_return"] for m in half.groups("task").values()]
    assert engram_score(half) == pytest.approx(100 * np.mean(per_task))


def test_markdown_lists_every_agent_and_view(results_dir):
    board = Leaderboard.from_files(sorted(results_dir.glob("*.json")))
    text = leaderboard.markdown(board, {"heatmap": "heatmap.png"})
    table = text.split("| Rank |")[1].split("\n\n")[0]
    for e in board.entries:
        assert f"| {e.rank} | {e.name} | {e.results.agent.kind} |" in table
    assert "Engram score" in text and "## By tier" in text and "## By reasoning pattern" in text
    assert "![answer accuracy by tier and agent](heatmap.png)" in text
    assert "| oracle | 100% (100%) |" in text


def copy_results(results_dir, tmp_path) -> Path:
    folder = tmp_path / "results"
    shutil.copytree(results_dir, folder)
    return folder


def test_mismatched_results_are_refused(results_dir, tmp_path):
    folder = copy_results(results_dir, tmp_path)
    other = EvalConfig(tasks=("addition", "gcd", "coin_change"), difficulties=(1, 4), problems=5)
    write_results(evaluate(load_agent("oracle"), other, progress=False),
                  tmp_path / "oracle-small.json")
    doc = json.loads((tmp_path / "oracle-small.json").read_text())
    doc["agent"]["name"] = "oracle-small"
    (folder / "oracle-small.json").write_text(json.dumps(doc))
    with pytest.raises(ResultsError, match="mismatched results.*different problem sets.*tasks "
                       r"\(5 vs 3; only in the first: bfs_order, binary_search, caesar_cipher; "
                       r"only in the second: gcd\)"):
        Leaderboard.from_files([folder])


def test_other_seed_offset_is_a_mismatch(results_dir, tmp_path):
    config = EvalConfig(**{**CONFIG.__dict__, "seed_offset": 100})
    results = evaluate(load_agent("oracle"), config, progress=False)
    write_results(results, tmp_path / "o.json")
    doc = json.loads((tmp_path / "o.json").read_text())
    doc["agent"]["name"] = "oracle-2"
    (tmp_path / "o.json").write_text(json.dumps(doc))
    with pytest.raises(ResultsError, match="seed_offset \\(0 vs 100\\)"):
        Leaderboard.from_files([results_dir / "oracle.json", tmp_path / "o.json"])


def test_duplicate_agents_and_empty_input_are_refused(results_dir, tmp_path):
    shutil.copy(results_dir / "oracle.json", tmp_path / "oracle-again.json")
    with pytest.raises(ResultsError, match="two results files for agent 'oracle'"):
        Leaderboard.from_files([results_dir / "oracle.json", tmp_path / "oracle-again.json"])
    with pytest.raises(ResultsError, match="no results"):
        Leaderboard.from_files([])
    (tmp_path / "empty").mkdir()
    with pytest.raises(ResultsError, match="no results \\(\\*.json\\) files"):
        Leaderboard.from_files([tmp_path / "empty"])


def write_runs(runs: Path) -> None:
    from torch.utils.tensorboard import SummaryWriter

    for name, rate in (("Engram-addition-v0__grpo__1__1", 0.05), ("Engram-gcd-v0__ppo__1__2", 0.02)):
        writer = SummaryWriter(str(runs / name))
        for step in range(1, 41):
            writer.add_scalar("charts/answer_accuracy", 1 - np.exp(-rate * step), step)
            writer.add_scalar("charts/episodic_return", 1 - np.exp(-rate * step) / 2, step)
            writer.add_scalar("losses/entropy", 1.0, step)
        writer.close()


def test_learning_curves_from_tensorboard_logs(tmp_path):
    write_runs(tmp_path / "runs")
    curves = learning_curves(tmp_path / "runs")
    assert sorted(curves) == ["Engram-addition-v0__grpo__1__1", "Engram-gcd-v0__ppo__1__2"]
    steps, values = curves["Engram-addition-v0__grpo__1__1"]["answer accuracy"]
    assert steps == list(range(1, 41)) and values[-1] == pytest.approx(1 - np.exp(-2), rel=1e-6)
    png = leaderboard.learning_curves_png(curves)
    assert png.startswith(b"\x89PNG")


def test_build_report_writes_every_file(results_dir, tmp_path):
    write_runs(tmp_path / "runs")
    written = build_report([results_dir], tmp_path / "reports", tmp_path / "runs")
    assert set(written) == {"markdown", "html", "heatmap", "curves"}
    for path in written.values():
        assert path.is_file() and path.stat().st_size > 0
    assert written["heatmap"].read_bytes().startswith(b"\x89PNG")
    assert "learning_curves.png" in written["markdown"].read_text()
    page = written["html"].read_text()
    assert page.count('<tr data-agent="') == 2 * 4  # the ranking and the per-tier view
    assert 'id="learning-curves" alt=' in page and 'id="heatmap"' in page
    # without logs: no curves, and the page says why
    written = build_report([results_dir], tmp_path / "reports2", tmp_path / "no-runs")
    assert "curves" not in written
    assert "No learning curves: no TensorBoard event files" in written["html"].read_text()


def run_script(*args):
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "leaderboard.py"), *args],
                          check=False, capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_leaderboard_script(results_dir, tmp_path):
    out = tmp_path / "reports"
    done = run_script("--results", str(results_dir), "--runs", str(tmp_path / "none"),
                      "--out-dir", str(out))
    assert done.returncode == 0, done.stderr
    assert "1. oracle" in done.stdout
    assert sorted(p.name for p in out.iterdir()) == ["heatmap.png", "leaderboard.html",
                                                     "leaderboard.md"]
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema": "engram-eval", "schema_version": 1, "agent": ')
    done = run_script("--results", str(results_dir / "oracle.json"), str(bad), "--out-dir",
                      str(out))
    assert done.returncode == 2
    assert f"leaderboard.py: error: {bad}: not valid JSON" in done.stderr


def test_doctests():
    result = doctest.testmod(leaderboard, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


# -- the page in a browser ---------------------------------------------------------------------


def chromium(*args: str) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={profile}", *args],
            check=False, capture_output=True, text=True, timeout=90)


@pytest.mark.skipif(not Path(CHROMIUM).exists(),
                    reason=f"no browser: {CHROMIUM} is absent (install Debian's chromium: "
                           "apt-get install -y chromium)")
def test_html_page_in_headless_chromium(results_dir, tmp_path):
    from matplotlib.image import imread

    write_runs(tmp_path / "runs")
    written = build_report([results_dir], tmp_path / "reports", tmp_path / "runs")
    url = written["html"].resolve().as_uri()

    # the page as written, plus a script that clicks two headers and records the row orders:
    # Agent (text) sorts A-Z, Score (numbers) high first
    clicked = tmp_path / "clicked.html"
    clicked.write_text(written["html"].read_text().replace("</body>", """<script>
      function rows() { return Array.prototype.map.call(
        document.querySelectorAll('#leaderboard tbody tr'), function (r) { return r.dataset.agent; }
      ).join(','); }
      var th = document.querySelectorAll('#leaderboard th');
      th[1].click(); document.body.setAttribute('data-by-name', rows());
      th[2].click(); document.body.setAttribute('data-by-score', rows());
    </script></body>"""))
    done = chromium("--dump-dom", clicked.resolve().as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    assert 'data-sortable="ready"' in dom  # the page's own script ran to the end
    ranking = dom.split('id="leaderboard"')[1].split("</table>")[0]
    for name in ("oracle", "half-right", "answer-only", "random"):
        assert f'<tr data-agent="{name}">' in ranking
    assert '<img id="heatmap" alt="answer accuracy by tier and agent" ' \
           'src="data:image/png;base64,' in dom
    assert '<img id="learning-curves"' in dom
    assert 'data-by-name="answer-only,half-right,oracle,random"' in dom
    assert 'data-by-score="oracle,half-right,answer-only,random"' in dom

    shot = tmp_path / "page.png"
    done = chromium("--window-size=1280,1600", f"--screenshot={shot}", url)
    assert shot.is_file(), done.stderr[-2000:]
    pixels = imread(shot)[..., :3]
    assert pixels.shape[:2] == (1600, 1280)
    assert pixels.std() > 0.05  # a rendered page, not a blank one
    # the heat map's red (random, 0%) and green (oracle, 100%) cells are on screen
    red = (pixels[..., 0] > 0.55) & (pixels[..., 1] < 0.15) & (pixels[..., 2] < 0.25)
    green = (pixels[..., 1] > 0.35) & (pixels[..., 0] < 0.1) & (pixels[..., 2] < 0.3)
    assert red.sum() > 1000 and green.sum() > 1000
