"""Leaderboard reports from evaluation results: Markdown, a static HTML page, and images.

``Leaderboard.from_files(paths)`` reads any number of results files (``agents.evaluation``),
checks that they are comparable (the same tasks, difficulties, problems, seeds, reward mode and
output budget; one file per agent name) and ranks the agents by the Engram score.
``build_report`` writes into one folder:

- ``leaderboard.md``: the ranking, per-tier and per-pattern tables, links to the images;
- ``leaderboard.html``: one self-contained page (images embedded, no network): the ranking,
  a tier x agent heat map, learning curves, and per-tier, per-pattern and per-task views;
  every table sorts by clicking its header (a small inline script);
- ``heatmap.png`` (answer accuracy, tier x agent) and ``learning_curves.png`` (from TensorBoard
  event files under a runs folder, read with tensorboard's ``EventAccumulator``).

The score (``SCORE_DOC``), in one line: 100 x the mean over tasks of the mean episodic return,
so every task counts the same, the oracle scores 100, answer-only 50 and random 0.
"""

from __future__ import annotations

import base64
import html
import io
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agents.evaluation import EvalResults, ResultsError, read_results
from engram_env.files import atomic_write

SCORE_DOC = (
    "**Engram score** = 100 x the mean, over the evaluated tasks, of each task's mean episodic "
    "return (over all its difficulties, problems and samples). In the default `step` reward "
    "mode a problem's return is 0.5 x the share of reference steps the verifier accepted plus "
    "0.5 for a correct final answer (1.0 for a correct answer when a task has no steps), exactly "
    "the environment's reward. So the oracle scores 100, a correct answer without the work 50, "
    "random tokens 0; every task counts the same whatever its tier or length. Ties are broken "
    "by answer accuracy, then by name."
)

# The learning-curve panels: a title and the TensorBoard tags that feed it, first match wins.
CURVE_PANELS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("answer accuracy", ("eval/answer_accuracy", "charts/answer_accuracy")),
    ("episodic return", ("eval/episodic_return", "charts/episodic_return", "rollout/ep_rew_mean")),
)


# -- ranking -----------------------------------------------------------------------------------


def engram_score(results: EvalResults) -> float:
    """The Engram score of one agent's results (see ``SCORE_DOC``)."""
    per_task = [m["mean_return"] for m in results.groups("task").values()]
    return 100.0 * sum(per_task) / len(per_task)


@dataclass(frozen=True)
class Entry:
    """One ranked agent: its results, the file they came from, and its score."""

    rank: int
    source: str
    results: EvalResults
    score: float

    @property
    def name(self) -> str:
        return self.results.agent.name


def check_comparable(loaded: Sequence[tuple[str, EvalResults]]) -> None:
    """Raise ``ResultsError`` unless every results file was evaluated on the same problems and
    no agent name appears twice."""
    if not loaded:
        raise ResultsError("no results files to rank (run scripts/evaluate.py first)")
    names: dict[str, str] = {}
    for source, results in loaded:
        name = results.agent.name
        if name in names:
            raise ResultsError(f"two results files for agent {name!r}: {names[name]} and "
                               f"{source}; remove one, or re-evaluate with --name")
        names[name] = source
    reference_source, reference = loaded[0]
    want = reference.config.suite()
    for source, results in loaded[1:]:
        got = results.config.suite()
        if got == want:
            continue
        differences = []
        for key in want:
            if got[key] == want[key]:
                continue
            if key == "tasks":
                only_a = sorted(set(want[key]) - set(got[key]))
                only_b = sorted(set(got[key]) - set(want[key]))
                differences.append(
                    f"tasks ({len(want[key])} vs {len(got[key])}"
                    + (f"; only in the first: {', '.join(only_a[:4])}{' ...' if len(only_a) > 4 else ''}"
                       if only_a else "")
                    + (f"; only in the second: {', '.join(only_b[:4])}{' ...' if len(only_b) > 4 else ''}"
                       if only_b else "") + ")")
            else:
                differences.append(f"{key} ({want[key]!r} vs {got[key]!r})")
        raise ResultsError(
            f"mismatched results: {reference_source} and {source} were evaluated on different "
            f"problem sets and cannot be ranked together: {'; '.join(differences)}. Evaluate "
            "every agent with the same --tasks/--tier/--domain/--pattern, --difficulties, "
            "--problems, --seed-offset, --reward-mode and --max-new-tokens, or build separate "
            "leaderboards")


@dataclass(frozen=True)
class Leaderboard:
    """Agents ranked by the Engram score, all evaluated on the same problems."""

    entries: tuple[Entry, ...]

    @classmethod
    def from_results(cls, loaded: Sequence[tuple[str, EvalResults]]) -> Leaderboard:
        check_comparable(loaded)
        scored = [(engram_score(r), r.summary()["answer_accuracy"], r.agent.name, s, r)
                  for s, r in loaded]
        scored.sort(key=lambda x: (-x[0], -x[1], x[2]))
        return cls(tuple(Entry(i + 1, s, r, score)
                         for i, (score, _, _, s, r) in enumerate(scored)))

    @classmethod
    def from_files(cls, paths: Iterable[str | os.PathLike]) -> Leaderboard:
        """Read results files (folders: every ``*.json`` in them) and rank them."""
        return cls.from_results([(str(p), read_results(p)) for p in expand_paths(paths)])

    @property
    def config(self):
        return self.entries[0].results.config

    def tiers(self) -> list[str]:
        return sorted({str(c.tier) for c in self.entries[0].results.cells}, key=int)

    def patterns(self) -> list[str]:
        return sorted({c.pattern for c in self.entries[0].results.cells})

    def tasks(self) -> list[tuple[str, int, str, str]]:
        """(task, tier, domain, pattern) of every task, by tier then name."""
        seen = {(c.task, c.tier, c.domain, c.pattern) for c in self.entries[0].results.cells}
        return sorted(seen, key=lambda t: (t[1], t[0]))

    def protocol(self) -> str:
        """One sentence saying what was evaluated."""
        c = self.config
        samples = sorted({e.results.config.samples for e in self.entries})
        return (f"{len(c.tasks)} tasks at difficulties {', '.join(map(str, c.difficulties))}; "
                f"{c.problems} held-out problems per task and difficulty (seeds 2**62 + "
                f"{c.seed_offset} onward, never drawn in training), "
                f"{'/'.join(map(str, samples))} sample(s) per problem; "
                f"return in `{c.reward_mode}` mode; {100 * c.confidence:g}% Wilson intervals")


def expand_paths(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """Files as given; a folder stands for the ``*.json`` files in it (sorted)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(p.glob("*.json"))
            if not found:
                raise ResultsError(f"{p}: a folder with no results (*.json) files")
            out.extend(found)
        else:
            out.append(p)
    return out


# -- formatting --------------------------------------------------------------------------------


def pct(x: float | None, digits: int = 1) -> str:
    return "—" if x is None else f"{100 * x:.{digits}f}%"


def num(x: float | None, digits: int = 3) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def si(x: float | None) -> str:
    """A number with an SI suffix.

    >>> si(1234567), si(987), si(None)
    ('1.2M', '987', '—')
    """
    if x is None:
        return "—"
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= limit:
            return f"{x / limit:.1f}{suffix}"
    return f"{x:.0f}"


def ci(m: dict[str, Any]) -> str:
    low, high = m["answer_ci"]
    return f"{pct(m['answer_accuracy'])} [{100 * low:.2f}, {100 * high:.2f}]"


OVERALL_COLUMNS = ("Rank", "Agent", "Kind", "Score", "Answer acc. [95% CI]", "Step acc.",
                   "First error at", "Return", "Length", "Consistency", "Tokens/s",
                   "Train steps", "Checkpoint")


def overall_row(entry: Entry) -> list[tuple[str, float | str | None]]:
    """(text, sort value) per column of the overall table."""
    r = entry.results
    m = r.summary()
    a = r.agent
    return [
        (str(entry.rank), entry.rank),
        (a.name, a.name),
        (a.kind, a.kind),
        (f"{entry.score:.1f}", entry.score),
        (ci(m), m["answer_accuracy"]),
        (pct(m["step_accuracy"]), m["step_accuracy"]),
        (pct(m["first_wrong_fraction"], 0), m["first_wrong_fraction"]),
        (num(m["mean_return"]), m["mean_return"]),
        (f"{m['mean_length']:.1f}", m["mean_length"]),
        (num(m["consistency"], 2), m["consistency"]),
        (si(m["tokens_per_s"]), m["tokens_per_s"]),
        ("—" if a.training_steps is None else si(a.training_steps), a.training_steps),
        ("—" if a.checkpoint_sha256 is None else a.checkpoint_sha256[:12], a.checkpoint_sha256),
    ]


def markdown(board: Leaderboard, images: dict[str, str] | None = None) -> str:
    """The leaderboard as Markdown; ``images`` maps ``heatmap``/``curves`` to relative paths."""
    images = images or {}
    lines = ["# Engram leaderboard", "", board.protocol() + ".", "", SCORE_DOC, ""]
    lines += _md_table(OVERALL_COLUMNS, [[t for t, _ in overall_row(e)] for e in board.entries])
    lines += ["", ("*First error at*: where the first wrong step falls, as a share of the "
                   "solution (steps, then the answer), over attempts with an error. "
                   "*Consistency*: how often two samples of the same problem give the same "
                   "answer. *Length*: tokens written per attempt."), ""]
    if "heatmap" in images:
        lines += [f"![answer accuracy by tier and agent]({images['heatmap']})", ""]
    if "curves" in images:
        lines += [f"![learning curves]({images['curves']})", ""]
    tiers = board.tiers()
    lines += ["## By tier", "", "Answer accuracy (step accuracy) per skill-tree tier.", ""]
    rows = []
    for e in board.entries:
        groups = e.results.groups("tier")
        rows.append([e.name, *(f"{pct(groups[t]['answer_accuracy'], 0)} "
                               f"({pct(groups[t]['step_accuracy'], 0)})" for t in tiers)])
    lines += _md_table(("Agent", *(f"Tier {t}" for t in tiers)), rows)
    lines += ["", "## By reasoning pattern", "", "Answer accuracy per reasoning pattern.", ""]
    per_agent = [e.results.groups("pattern") for e in board.entries]
    rows = [[p.replace("_", " "), *(pct(g[p]["answer_accuracy"], 0) for g in per_agent)]
            for p in board.patterns()]
    lines += _md_table(("Pattern", *(e.name for e in board.entries)), rows)
    lines += ["", "Per-task results: see `leaderboard.html` (sortable) or the results JSON.", ""]
    return "\n".join(lines)


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    def esc(text: str) -> str:
        return str(text).replace("|", "\\|")

    return (["| " + " | ".join(map(esc, header)) + " |",
             "|" + "|".join("---" for _ in header) + "|"]
            + ["| " + " | ".join(map(esc, row)) + " |" for row in rows])


# -- images ------------------------------------------------------------------------------------


def _figure_png(fig) -> bytes:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=144, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def heatmap_png(board: Leaderboard) -> bytes:
    """Answer accuracy per tier (rows) and agent (columns, ranked), annotated, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    tiers = board.tiers()
    names = [e.name for e in board.entries]
    grid = np.array([[e.results.groups("tier")[t]["answer_accuracy"] for e in board.entries]
                     for t in tiers], dtype=float)
    tilt = len(names) > 4 or max(map(len, names)) > 12
    fig, ax = plt.subplots(figsize=(1.3 + 1.05 * len(names), max(2.6, 0.9 + 0.55 * len(tiers))))
    image = ax.imshow(grid, cmap="RdYlGn", vmin=0, vmax=1, aspect="auto")  # as the tables
    ax.set_xticks(range(len(names)), names, rotation=30 if tilt else 0,
                  ha="right" if tilt else "center")
    ax.set_yticks(range(len(tiers)), [f"tier {t}" for t in tiers])
    for i in range(len(tiers)):
        for j in range(len(names)):
            ax.text(j, i, f"{100 * grid[i, j]:.0f}%", ha="center", va="center", fontsize=9,
                    color="black" if 0.2 < grid[i, j] < 0.8 else "white")
    ax.set_title("Answer accuracy by tier", fontsize=11)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02, format=lambda x, _: f"{100 * x:.0f}%")
    return _figure_png(fig)


def find_runs(runs_dir: str | os.PathLike) -> list[Path]:
    """Folders under ``runs_dir`` that hold TensorBoard event files."""
    root = Path(runs_dir)
    if not root.is_dir():
        return []
    return sorted({p.parent for p in root.rglob("events.out.tfevents.*")})


def learning_curves(runs_dir: str | os.PathLike) -> dict[str, dict[str, tuple[list, list]]]:
    """``{run: {panel title: (steps, values)}}`` for every run with a tag of ``CURVE_PANELS``."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    root = Path(runs_dir)
    curves: dict[str, dict[str, tuple[list, list]]] = {}
    for run in find_runs(root):
        accumulator = EventAccumulator(str(run), size_guidance={"scalars": 0})
        accumulator.Reload()
        tags = set(accumulator.Tags().get("scalars", []))
        panels = {}
        for title, candidates in CURVE_PANELS:
            tag = next((t for t in candidates if t in tags), None)
            if tag is not None:
                events = accumulator.Scalars(tag)
                panels[title] = ([e.step for e in events], [e.value for e in events])
        if panels:
            curves[str(run.relative_to(root)) if run != root else run.name] = panels
    return curves


def learning_curves_png(curves: dict[str, dict[str, tuple[list, list]]]) -> bytes:
    """One panel per ``CURVE_PANELS`` entry that any run has, one line per run."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    titles = [t for t, _ in CURVE_PANELS if any(t in panels for panels in curves.values())]
    fig, axes = plt.subplots(len(titles), 1, figsize=(6.4, 2.5 * len(titles) + 0.9),
                             squeeze=False, sharex=True)
    lines = {}
    for ax, title in zip(axes[:, 0], titles):
        for run, panels in curves.items():
            if title in panels:
                steps, values = panels[title]
                label = run if len(run) <= 60 else "…" + run[-59:]
                lines[label], = ax.plot(steps, values, linewidth=1.8)
        ax.set_title(title, fontsize=11, loc="left")
        ax.grid(alpha=0.3)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    axes[-1, 0].set_xlabel("update (global step)")
    fig.legend(list(lines.values()), list(lines), loc="lower center", ncol=1, fontsize=8,
               frameon=False, bbox_to_anchor=(0.5, -0.02 - 0.035 * len(lines)))
    fig.suptitle("Learning curves", fontsize=12)
    fig.tight_layout()
    return _figure_png(fig)


# -- HTML --------------------------------------------------------------------------------------


def _color(x: float | None) -> str:
    """A background colour for an accuracy: red (0) through amber to green (1)."""
    if x is None:
        return "background:#f3f4f6"
    hue = 120 * max(0.0, min(1.0, x))
    return f"background:hsl({hue:.0f},70%,{88 - 8 * abs(x - 0.5):.0f}%)"


def _cell(text: str, sort: float | str | None = None, style: str = "", cls: str = "") -> str:
    attrs = ""
    if sort is not None and not (isinstance(sort, float) and math.isnan(sort)):
        attrs += f' data-sort="{html.escape(str(sort))}"'
    if style:
        attrs += f' style="{style}"'
    if cls:
        attrs += f' class="{cls}"'
    return f"<td{attrs}>{html.escape(text)}</td>"


def _table(table_id: str, header: Sequence[str], rows: Sequence[str], numeric_from: int = 1,
           caption: str = "") -> str:
    ths = "".join(f'<th scope="col"{" class=num" if i >= numeric_from else ""}>'
                  f"{html.escape(h)}</th>" for i, h in enumerate(header))
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return (f'<div class="scroll"><table class="sortable" id="{table_id}">{cap}<thead><tr>{ths}'
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table></div>")


def _md_inline(text: str) -> str:
    """``**bold**`` and `code` of SCORE_DOC as HTML (escaped)."""
    import re

    text = html.escape(text)
    text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", text)


SORT_SCRIPT = """
(function () {
  function value(td) {
    var v = td ? td.getAttribute('data-sort') : null;
    if (v === null) return null;
    return v.trim() !== '' && !isNaN(Number(v)) ? Number(v) : v.toLowerCase();
  }
  function sort(table, col, th) {
    var body = table.tBodies[0];
    var now = th.getAttribute('aria-sort');  // first click: numbers high-first, text A-Z
    var dir = now ? (now === 'ascending' ? -1 : 1) : (th.classList.contains('num') ? -1 : 1);
    Array.prototype.forEach.call(table.tHead.rows[0].cells,
                                 function (h) { h.removeAttribute('aria-sort'); });
    th.setAttribute('aria-sort', dir === 1 ? 'ascending' : 'descending');
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = value(a.cells[col]), y = value(b.cells[col]);
      if (x === null && y === null) return 0;
      if (x === null) return 1;            // missing values last, either direction
      if (y === null) return -1;
      return (x < y ? -1 : x > y ? 1 : 0) * dir;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  document.querySelectorAll('table.sortable').forEach(function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
      th.tabIndex = 0;
      th.title = 'sort by ' + th.textContent;
      th.addEventListener('click', function () { sort(table, col, th); });
      th.addEventListener('keydown', function (e) {
        if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sort(table, col, th); }
      });
    });
  });
  var filter = document.getElementById('task-filter');
  if (filter) filter.addEventListener('input', function () {
    var q = filter.value.toLowerCase();
    document.querySelectorAll('#by-task tbody tr').forEach(function (r) {
      r.style.display = r.textContent.toLowerCase().indexOf(q) < 0 ? 'none' : '';
    });
  });
  document.body.setAttribute('data-sortable', 'ready');
})();
"""

STYLE = """
:root { --ink:#1f2937; --muted:#6b7280; --line:#e5e7eb; --accent:#4f46e5; --paper:#ffffff; }
* { box-sizing:border-box; }
body { margin:0; font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;
       color:var(--ink); background:#f8fafc; }
header { background:linear-gradient(120deg,#312e81,#4f46e5 60%,#0ea5e9); color:#fff;
         padding:28px 40px 22px; }
header h1 { margin:0 0 6px; font-size:26px; letter-spacing:.2px; }
header p { margin:0; opacity:.9; max-width:1100px; }
nav { position:sticky; top:0; z-index:2; background:#fff; border-bottom:1px solid var(--line);
      padding:8px 40px; display:flex; gap:18px; flex-wrap:wrap; }
nav a { color:var(--accent); text-decoration:none; font-weight:600; }
main { padding:8px 40px 40px; max-width:1500px; }
section { margin-top:26px; }
h2 { font-size:18px; margin:0 0 10px; }
.card { background:var(--paper); border:1px solid var(--line); border-radius:10px;
        padding:16px 18px; box-shadow:0 1px 2px rgba(0,0,0,.04); }
.scroll { overflow-x:auto; }
table { border-collapse:collapse; width:100%; font-variant-numeric:tabular-nums; }
caption { text-align:left; color:var(--muted); padding-bottom:6px; }
th, td { padding:6px 9px; border-bottom:1px solid var(--line); white-space:nowrap; }
th { text-align:left; font-size:11.5px; text-transform:uppercase; letter-spacing:.3px;
     color:var(--muted); cursor:pointer; user-select:none; background:#fafafa;
     white-space:normal; vertical-align:bottom; }
th.num, td.num { text-align:right; }
th[aria-sort=ascending]::after { content:" ▲"; } th[aria-sort=descending]::after { content:" ▼"; }
tbody tr:hover { background:#eef2ff; }
td.agent { font-weight:600; }
.sub { font-size:11px; font-weight:400; color:var(--muted); }
td.rank { font-weight:700; color:var(--accent); }
td.score { font-weight:700; min-width:120px; }
.bar { display:inline-block; height:8px; border-radius:4px; background:var(--accent);
       vertical-align:middle; margin-left:8px; opacity:.8; }
.grid { display:grid; grid-template-columns:repeat(auto-fit,minmax(420px,1fr)); gap:18px; }
.grid img { max-width:100%; height:auto; display:block; margin:auto; }
.note { color:var(--muted); font-size:13px; }
input#task-filter { padding:6px 10px; border:1px solid var(--line); border-radius:6px;
                    width:280px; margin-bottom:8px; }
code { background:#f1f5f9; padding:1px 4px; border-radius:4px; }
header code { background:rgba(255,255,255,.2); color:#fff; }
.kind { display:inline-block; margin-left:8px; padding:0 7px; border-radius:9px; font-size:11px;
        font-weight:500; color:#4338ca; background:#e0e7ff; }
"""


def html_page(board: Leaderboard, heatmap: bytes, curves: bytes | None,
              runs_note: str = "") -> str:
    """The self-contained HTML report (PNG images embedded as data URIs)."""
    esc = html.escape
    best = max((e.score for e in board.entries), default=1) or 1
    rows = []
    for e in board.entries:
        cells = overall_row(e)
        tds = []
        for i, (text, sort) in enumerate(cells):
            if i == 1:  # the agent, its kind as a badge; checkpoint and steps beneath
                a = e.results.agent
                sub = " · ".join(x for x in (
                    a.checkpoint_sha256 and f"sha256 {a.checkpoint_sha256[:12]}",
                    a.training_steps is not None and f"{si(a.training_steps)} training steps")
                    if x)
                badge = f'<span class="kind">{esc(a.kind)}</span>' if a.kind != a.name else ""
                tds.append(f'<td class="agent" data-sort="{esc(e.name)}">{esc(text)}{badge}'
                           + (f'<div class="sub">{esc(sub)}</div>' if sub else "") + "</td>")
            elif i in (2, 11, 12):
                continue
            elif i == 3:
                width = max(2, int(80 * e.score / best)) if e.score > 0 else 0
                tds.append(f'<td class="num score" data-sort="{e.score}">{esc(text)}'
                           f'<span class="bar" style="width:{width}px"></span></td>')
            elif i == 4:
                m = e.results.summary()
                low, high = m["answer_ci"]
                tds.append(f'<td class="num" data-sort="{sort}" style="{_color(sort)}">'
                           f'{pct(sort)}<div class="sub">95% CI {100 * low:.2f}–'
                           f"{100 * high:.2f}</div></td>")
            else:
                style = _color(sort) if i == 5 else ""
                tds.append(_cell(text, sort, style, "rank" if i == 0 else "num"))
        rows.append(f'<tr data-agent="{esc(e.name)}">{"".join(tds)}</tr>')
    columns = [c for i, c in enumerate(OVERALL_COLUMNS) if i not in (2, 11, 12)]
    columns[3] = "Answer acc."
    overall = _table("leaderboard", columns, rows, numeric_from=2)

    tiers = board.tiers()
    tier_rows = []
    for e in board.entries:
        groups = e.results.groups("tier")
        tds = [_cell(e.name, e.name, cls="agent"), _cell(f"{e.score:.1f}", e.score, cls="num")]
        for t in tiers:
            m = groups[t]
            tds.append(_cell(f"{pct(m['answer_accuracy'], 0)} · {pct(m['step_accuracy'], 0)}",
                             m["answer_accuracy"], _color(m["answer_accuracy"]), "num"))
        tier_rows.append(f'<tr data-agent="{esc(e.name)}">{"".join(tds)}</tr>')
    by_tier = _table("by-tier", ("Agent", "Score", *(f"Tier {t}" for t in tiers)), tier_rows,
                     caption="answer accuracy · step accuracy")

    per_agent = [e.results.groups("pattern") for e in board.entries]
    pattern_rows = []
    for p in board.patterns():
        tds = [_cell(p.replace("_", " "), p, cls="agent")]
        for g in per_agent:
            m = g[p]
            tds.append(_cell(pct(m["answer_accuracy"], 0), m["answer_accuracy"],
                             _color(m["answer_accuracy"]), "num"))
        pattern_rows.append(f"<tr>{''.join(tds)}</tr>")
    by_pattern = _table("by-pattern", ("Pattern", *(e.name for e in board.entries)),
                        pattern_rows, caption="answer accuracy")

    per_agent = [e.results.groups("task") for e in board.entries]
    task_rows = []
    for task, tier, domain, pattern in board.tasks():
        tds = [_cell(task, task, cls="agent"), _cell(str(tier), tier, cls="num"),
               _cell(domain, domain), _cell(pattern.replace("_", " "), pattern)]
        for g in per_agent:
            m = g[task]
            tds.append(_cell(f"{pct(m['answer_accuracy'], 0)} · {num(m['mean_return'], 2)}",
                             m["answer_accuracy"], _color(m["answer_accuracy"]), "num"))
        task_rows.append(f"<tr>{''.join(tds)}</tr>")
    by_task = _table("by-task", ("Task", "Tier", "Domain", "Pattern",
                                 *(e.name for e in board.entries)), task_rows, numeric_from=4,
                     caption="answer accuracy · mean return")

    def img(data: bytes, alt: str, element_id: str) -> str:
        b64 = base64.b64encode(data).decode()
        return f'<img id="{element_id}" alt="{esc(alt)}" src="data:image/png;base64,{b64}">'

    curves_html = (img(curves, "learning curves from TensorBoard logs", "learning-curves")
                   if curves else f'<p class="note" id="learning-curves">{esc(runs_note)}</p>')
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Engram leaderboard</title>
<style>{STYLE}</style>
</head>
<body>
<header>
<h1>Engram leaderboard</h1>
<p>{_md_inline(board.protocol())}.</p>
</header>
<nav><a href="#overall">Ranking</a><a href="#charts">Heat map &amp; curves</a>
<a href="#tiers">By tier</a><a href="#patterns">By pattern</a><a href="#tasks">By task</a>
<a href="#score">About the score</a></nav>
<main>
<section id="overall"><h2>Ranking</h2><div class="card">{overall}
<p class="note">Click a column to sort. <em>First error at</em>: where the first wrong step falls,
as a share of the solution (steps, then the answer), over attempts with an error.
<em>Consistency</em>: how often two samples of a problem give the same answer.
<em>Length</em>: tokens written per attempt.</p></div></section>
<section id="charts"><h2>Heat map &amp; learning curves</h2><div class="grid">
<div class="card">{img(heatmap, "answer accuracy by tier and agent", "heatmap")}</div>
<div class="card">{curves_html}</div></div></section>
<section id="tiers"><h2>By tier</h2><div class="card">{by_tier}</div></section>
<section id="patterns"><h2>By reasoning pattern</h2><div class="card">{by_pattern}</div></section>
<section id="tasks"><h2>By task</h2><div class="card">
<input id="task-filter" type="search" placeholder="filter tasks, domains, patterns…">{by_task}
</div></section>
<section id="score"><h2>About the score</h2><div class="card"><p>{_md_inline(SCORE_DOC)}</p>
<p class="note">Sources: {esc(", ".join(e.source for e in board.entries))}</p></div></section>
</main>
<script>{SORT_SCRIPT}</script>
</body>
</html>
"""


def build_report(paths: Iterable[str | os.PathLike], out_dir: str | os.PathLike,
                 runs_dir: str | os.PathLike | None = "runs") -> dict[str, Path]:
    """Read results, rank them, and write the Markdown, HTML and PNGs into ``out_dir``.

    Returns the written paths by kind (``markdown``, ``html``, ``heatmap``, ``curves``).
    """
    return write_report(Leaderboard.from_files(paths), out_dir, runs_dir)


def write_report(board: Leaderboard, out_dir: str | os.PathLike,
                 runs_dir: str | os.PathLike | None = "runs") -> dict[str, Path]:
    """Write ``board`` as Markdown, HTML and PNGs into ``out_dir`` (see ``build_report``)."""
    out = Path(out_dir)
    written: dict[str, Path] = {}
    heatmap = heatmap_png(board)
    written["heatmap"] = atomic_write(out / "heatmap.png", heatmap)
    curves_png = None
    runs = find_runs(runs_dir) if runs_dir is not None else []
    if runs:
        curves = learning_curves(runs_dir)
        if curves:
            curves_png = learning_curves_png(curves)
            written["curves"] = atomic_write(out / "learning_curves.png", curves_png)
    note = (f"No learning curves: no TensorBoard event files under {runs_dir}/ "
            "(training scripts write them there)." if not runs else
            f"No learning curves: the runs under {runs_dir}/ log none of the tags "
            f"{', '.join(t for _, tags in CURVE_PANELS for t in tags)}.")
    images = {k: written[k].name for k in ("heatmap", "curves") if k in written}
    written["markdown"] = atomic_write(out / "leaderboard.md", markdown(board, images))
    written["html"] = atomic_write(out / "leaderboard.html",
                                   html_page(board, heatmap, curves_png, note))
    return written
