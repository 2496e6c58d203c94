"""Draws the harness report (JSON, argv[1]) as a PNG bar chart (argv[2])."""
import json
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

r = json.load(open(sys.argv[1]))
rows = [row for row in r["rows"] if row.get("events_per_second")]
fig, axes = plt.subplots(1, 4, figsize=(17, 4.8))
names = [row["name"] for row in rows]
colors = ["#888888" if row["name"].startswith("B") else "#1f77b4" if row["name"].startswith("E2E") else "#d62728" for row in rows]

def bars(ax, key, title, fmt):
    vals = [row.get(key) or 0 for row in rows]
    rounds = [row.get(key + "_by_round") or [] for row in rows]
    if any(len(r) > 1 for r in rounds):
        # The bar is the median round; the whisker spans the slowest to the fastest round.
        low = [v - min(r) if r else 0 for v, r in zip(vals, rounds)]
        high = [max(r) - v if r else 0 for v, r in zip(vals, rounds)]
        ax.bar(names, vals, color=colors, yerr=[low, high], capsize=3, ecolor="#444444")
    else:
        ax.bar(names, vals, color=colors)
    ax.set_title(title)
    ax.tick_params(axis="x", rotation=35, labelsize=8)
    for label in ax.get_xticklabels():
        label.set_horizontalalignment("right")  # long row names end under their bar instead of overlapping
    for i, v in enumerate(vals):
        ax.annotate(fmt.format(v), (i, v), ha="center", va="bottom", fontsize=8)

bars(axes[0], "events_per_second", "events/s, median round (higher is better)", "{:,.0f}")
bars(axes[1], "cpu_us_per_event", "CPU µs per event", "{:.2f}")
bars(axes[2], "bytes_per_event", "managed bytes per event", "{:.0f}")
f = r["freshness"]
axes[3].bar(["B3 p99", "E2E p99", "B3 p50", "E2E p50"],
            [f["b3"]["p99_ms"], f["e2e"]["p99_ms"], f["b3"]["p50_ms"], f["e2e"]["p50_ms"]],
            color=["#888888", "#1f77b4", "#bbbbbb", "#6fa8dc"])
axes[3].set_title(f"freshness at {f['rate']:,.0f}/s (ms)")
fig.suptitle(f"FunnelStream load harness, {r['date']}, {r['events']:,} events, {r['machine']}", fontsize=10)
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=90)
