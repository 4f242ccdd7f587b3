"""The annual figures card (``figures 2026``): the year's counts and each statutory deadline's
timeliness, with a chart. Counts only, so it may be posted in the channel.

The chart is an Adaptive Card chart element (``Chart.VerticalBar.Grouped``), which Teams and
the local Teams client draw; a client that does not know it shows its fallback, the same
chart as a PNG picture made with matplotlib (``chart_png``), served by the bot.
"""

from __future__ import annotations

import io
from typing import Any

from cards.common import facts, heading, para, render
from workflow.figures import Figures

SHORT = {
    "la_decision": "Notified",
    "rapid_review_meeting": "Rapid review",
    "report_to_panel": "Report to the Panel",
    "publication": "Published",
}
SERIES = (("Met", "met", "#2E7D32"), ("Late", "late", "#F9A825"), ("Overdue", "overdue", "#C62828"))


def _line(t: Any) -> str:
    if not t.due:
        return "None fell due."
    parts = [f"{t.met} of {t.due} met", f"{t.late} late"]
    if t.overdue:
        parts.append(f"{t.overdue} overdue")
    if t.not_yet_due:
        parts.append(f"{t.not_yet_due} not yet due")
    return ", ".join(parts) + "."


def chart_alt(figures: Figures) -> str:
    return f"Deadlines met, late and overdue in {figures.year}: " + "; ".join(
        f"{SHORT[t.key]}: {t.met} met, {t.late} late, {t.overdue} overdue"
        for t in figures.timeliness
    )


def chart_element(figures: Figures, *, picture_url: str) -> dict[str, Any]:
    return {
        "type": "Chart.VerticalBar.Grouped",
        "title": f"Statutory deadlines in {figures.year}",
        "data": [
            {
                "legend": legend,
                "color": "good" if key == "met" else "warning" if key == "late" else "attention",
                "values": [{"x": SHORT[t.key], "y": getattr(t, key)} for t in figures.timeliness],
            }
            for legend, key, _colour in SERIES
        ],
        "fallback": {"type": "Image", "url": picture_url, "altText": chart_alt(figures)},
    }


def figures_card(figures: Figures, *, chart: str, as_of: str) -> dict[str, Any]:
    """``chart``: where the PNG of the chart is served (the chart element's fallback);
    ``as_of``: today's date, in words."""
    items: list[Any] = [
        *heading(
            f"Figures for {figures.year}",
            subtle=f"Counts only, from what the bot holds on {as_of}. No case or person is named.",
        ),
        facts((title, str(value)) for title, value in figures.counts),
        para("**Statutory deadlines that fell due in the year**", spacing="Medium"),
        facts((t.title, _line(t)) for t in figures.timeliness),
        para(
            "A deadline counts in the year its statutory date falls in, before any pause or "
            "extension. For the notification, only cases notified to the Panel count.",
            is_subtle=True,
        ),
    ]
    card = render(items, fallback_text=f"Figures for {figures.year}")
    card["body"].append(chart_element(figures, picture_url=chart))
    return card


def chart_png(figures: Figures) -> bytes:
    """The chart as a PNG picture (the card's fallback, and for the annual report)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    labels = [SHORT[t.key] for t in figures.timeliness]
    fig = Figure(figsize=(6.4, 3.2), dpi=100)
    ax = fig.add_subplot()
    width = 0.26
    for n, (legend, key, colour) in enumerate(SERIES):
        values = [getattr(t, key) for t in figures.timeliness]
        positions = [i + (n - 1) * width for i in range(len(labels))]
        ax.bar(positions, values, width, label=legend, color=colour)
    ax.set_xticks(range(len(labels)), labels)
    ax.set_title(f"Statutory deadlines in {figures.year}")
    ax.set_ylabel("Cases")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(frameon=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()
