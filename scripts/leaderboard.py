"""Build the leaderboard report (Markdown, HTML, PNGs) from evaluation results files.

    python scripts/evaluate.py --agent random oracle answer-only --out-dir results/leaderboard
    python scripts/leaderboard.py --results results/leaderboard --out-dir reports

Writes ``leaderboard.md``, ``leaderboard.html`` (self-contained, sortable tables),
``heatmap.png`` and, where TensorBoard logs exist under ``--runs``, ``learning_curves.png``.
Agents are ranked by the Engram score (``agents.leaderboard.SCORE_DOC``).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agents.evaluation import ResultsError, parse_args  # noqa: E402
from agents.leaderboard import Leaderboard, write_report  # noqa: E402


@dataclass
class Args:
    """Rank agents from evaluation results files; write a Markdown and an HTML leaderboard."""

    results: list[str] = field(default_factory=lambda: ["results"])
    """results files, or folders whose *.json files are all results (scripts/evaluate.py)"""
    runs: str = "runs"
    """folder of TensorBoard logs for the learning curves (absent: no curves)"""
    out_dir: str = "reports"
    """folder for leaderboard.md, leaderboard.html and the PNG images"""


def main(args: Args) -> int:
    board = Leaderboard.from_files(args.results)
    written = write_report(board, args.out_dir, args.runs)
    for e in board.entries:
        print(f"{e.rank:>3}. {e.name:<28} score {e.score:6.1f}")
    print(f"{len(board.entries)} results file(s) -> "
          + ", ".join(str(p) for p in written.values()))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(parse_args(Args)))
    except ResultsError as e:
        print(f"leaderboard.py: error: {e}", file=sys.stderr)
        sys.exit(2)
