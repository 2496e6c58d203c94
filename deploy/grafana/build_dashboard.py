#!/usr/bin/env python3
"""Builds dashboards/funnelstream.json from panels.yml (one panel per line there).

    python3 deploy/grafana/build_dashboard.py           # rewrite dashboards/funnelstream.json
    python3 deploy/grafana/build_dashboard.py --check   # exit 1 if it is not what panels.yml gives

Needs Debian's python3-yaml (scripts/setup.sh installs it for the tests). The output is plain
Grafana dashboard JSON (schemaVersion 39, Grafana 10.x/11.x), deterministic, for provisioning or
import; a datasource variable picks the Prometheus data source.
"""
import json
import pathlib
import sys

import yaml

HERE = pathlib.Path(__file__).resolve().parent
SPEC = HERE / "panels.yml"
OUT = HERE / "dashboards" / "funnelstream.json"

DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
SEL = 'job=~"$job",campaign=~"$campaign",channel=~"$channel"'
JOB = 'job=~"$job"'
# The $window values: exactly the windows deploy/prometheus/rules/ records (`...:rate5m`, `rate1h`,
# `rate6h`), since panels read `...:rate$window`; a window without its rules would show "No data".
WINDOWS = ["5m", "1h", "6h"]


def expand(expr, stage=None):
    expr = expr.replace("<sel>", SEL).replace("<job>", JOB)
    if stage is not None:
        expr = expr.replace("<stage>", stage)
    if "<" in expr and any(t in expr for t in ("<sel>", "<job>", "<stage>")):
        raise SystemExit(f"unexpanded placeholder in {expr!r}")
    return expr


def conversion_panel(p):
    a, b = p["conversion"]
    ratio = (f'sum(stage_campaign_channel:funnel_events:rate$window{{stage="{b}",{SEL}}}) / '
             f'(sum(stage_campaign_channel:funnel_events:rate$window{{stage="{a}",{SEL}}}) > 0)')
    return {
        "title": f"{a} → {b}",
        "type": "timeseries",
        "exprs": [ratio],
        "legend": [f"{a} → {b}"],
        "unit": "percentunit",
        "min": 0,
        "thresholds": [["red", None], ["green", p["benchmark"]]],
        "threshold_style": "line+area",
        "w": p.get("w", 8),
        "h": p.get("h", 7),
        "description": p.get("description", f"Conversion {b} / {a} over $window (recorded rates summed over instances); red below the benchmark {p['benchmark']:g}."),
    }


def targets(p, stages):
    if p.get("each") == "stage":
        return [{"expr": expand(p["expr"], s), "legend": p["legend"].replace("<stage>", s)} for s in stages]
    exprs = p.get("exprs") or [p["expr"]]
    legends = p.get("legend", "")
    legends = legends if isinstance(legends, list) else [legends] * len(exprs)
    return [{"expr": expand(e), "legend": l} for e, l in zip(exprs, legends, strict=True)]


def panel(p, stages, pid, x, y):
    if "conversion" in p:
        p = conversion_panel(p)
    kind = p["type"]
    instant = kind in ("stat", "bars")
    refs = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    tgts = [{
        "datasource": DATASOURCE,
        "refId": refs[i],
        "expr": t["expr"],
        "legendFormat": t["legend"],
        "instant": instant,
        "range": not instant,
    } for i, t in enumerate(targets(p, stages))]
    steps = [{"color": c, "value": v} for c, v in p.get("thresholds", [["green", None]])]
    defaults = {"unit": p.get("unit", "short"), "thresholds": {"mode": "absolute", "steps": steps}, "color": {"mode": "palette-classic"}}
    for k in ("min", "max"):
        if k in p:
            defaults[k] = p[k]
    if kind == "timeseries":
        defaults["custom"] = {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 10, "showPoints": "never", "spanNulls": True,
                              "thresholdsStyle": {"mode": p.get("threshold_style", "off")}}
        options = {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True}, "tooltip": {"mode": "multi", "sort": "desc"}}
    elif kind == "stat":
        defaults["color"] = {"mode": "thresholds"}
        options = {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                   "colorMode": "value", "graphMode": "none", "justifyMode": "auto", "textMode": "auto", "orientation": "auto"}
    elif kind == "bars":
        defaults["color"] = {"mode": "continuous-BlPu"}
        options = {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                   "orientation": "horizontal", "displayMode": "gradient", "showUnfilled": True, "namePlacement": "left",
                   "valueMode": "color", "sizing": "auto", "minVizHeight": 16, "maxVizHeight": 40}
    else:
        raise SystemExit(f"unknown panel type {kind!r} in {p.get('title')!r}")
    out = {
        "id": pid,
        "type": "bargauge" if kind == "bars" else kind,
        "title": p["title"],
        "datasource": DATASOURCE,
        "gridPos": {"h": p["h"], "w": p["w"], "x": x, "y": y},
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "options": options,
        "targets": tgts,
    }
    if "description" in p:
        out = {**out, "description": p["description"]}
    return out


def query_variable(name, label, query, sort=1):
    return {
        "name": name, "label": label, "type": "query", "datasource": DATASOURCE,
        "definition": query, "query": {"query": query, "refId": "PrometheusVariableQueryEditor-VariableQuery", "qryType": 1},
        "includeAll": True, "multi": True, "allValue": ".*", "refresh": 2, "sort": sort,
        "current": {"selected": True, "text": ["All"], "value": ["$__all"]}, "options": [], "regex": "", "hide": 0,
    }


def build():
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    stages = spec["stages"]
    panels, pid, y = [], 1, 0
    for row in spec["rows"]:
        panels.append({"id": pid, "type": "row", "title": row["title"], "collapsed": False,
                       "gridPos": {"h": 1, "w": 24, "x": 0, "y": y}, "panels": []})
        pid += 1
        y += 1
        x, row_h = 0, 0
        for p in row["panels"]:
            w = p.get("w", 8)
            if x + w > 24:
                x, y, row_h = 0, y + row_h, 0
            built = panel(p, stages, pid, x, y)
            pid += 1
            panels.append(built)
            x += built["gridPos"]["w"]
            row_h = max(row_h, built["gridPos"]["h"])
        y += row_h
    windows = WINDOWS
    return {
        "uid": "funnelstream",
        "title": "FunnelStream",
        "description": "Funnel volumes, conversion per transition, cost KPIs, breakdowns and pipeline health from FunnelStream's /metrics. Built from deploy/grafana/panels.yml.",
        "tags": ["funnelstream", "marketing", "funnel"],
        "timezone": "browser",
        "editable": True,
        "graphTooltip": 1,
        "refresh": "10s",
        "schemaVersion": 39,
        "version": 1,
        "time": {"from": "now-1h", "to": "now"},
        "timepicker": {},
        "annotations": {"list": []},
        "links": [],
        "templating": {"list": [
            {"name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus", "current": {},
             "hide": 0, "includeAll": False, "multi": False, "options": [], "refresh": 1, "regex": ""},
            query_variable("job", "Job", "label_values(funnel_consumer_records_total, job)"),
            query_variable("campaign", "Campaign", 'label_values(funnel_events_total{job=~"$job"}, campaign)'),
            query_variable("channel", "Channel", 'label_values(funnel_events_total{job=~"$job",campaign=~"$campaign"}, channel)'),
            {"name": "window", "label": "Conversion window", "type": "custom", "query": ",".join(windows),
             "current": {"selected": True, "text": "1h", "value": "1h"},
             "options": [{"selected": w == "1h", "text": w, "value": w} for w in windows],
             "hide": 0, "includeAll": False, "multi": False},
        ]},
        "panels": panels,
    }


def main():
    text = json.dumps(build(), indent=2, ensure_ascii=False) + "\n"
    if sys.argv[1:] == ["--check"]:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT} is not what {SPEC.name} gives: run python3 {pathlib.Path(__file__).name}", file=sys.stderr)
            sys.exit(1)
        return
    OUT.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
