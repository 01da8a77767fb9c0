/**
 * The HTML report's static parts: the page style and the browser script that draws the charts with uPlot.
 *
 * The script reads its data from `<script type="application/json" id="report-data">`, never from the DOM's text,
 * and sets only `textContent` — strings from logs, findings or payloads are never parsed as HTML. Each chart
 * container gets `data-rendered="true"` once drawn, which the browser test checks.
 */

export const CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"

export const STYLE = `
:root { color-scheme: light; --fg: #1c1f23; --muted: #5c636a; --line: #dee2e6; --pass: #2b8a3e; --fail: #c92a2a; --error: #e67700; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans", sans-serif; color: var(--fg); background: #f8f9fa; }
header, main { max-width: 1100px; margin: 0 auto; padding: 16px 20px; }
header { border-bottom: 1px solid var(--line); background: #fff; max-width: none; }
header > div { max-width: 1100px; margin: 0 auto; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; } h3 { font-size: 15px; margin: 18px 0 6px; }
.muted { color: var(--muted); }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(160px, 1fr)); gap: 10px; margin: 12px 0; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; }
.card b { display: block; font-size: 20px; }
.verdict { font-weight: 600; padding: 1px 8px; border-radius: 10px; color: #fff; font-size: 12px; text-transform: uppercase; }
.verdict.pass { background: var(--pass); } .verdict.fail { background: var(--fail); } .verdict.error { background: var(--error); } .verdict.none { background: var(--muted); }
article { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 12px 16px; margin: 12px 0; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(460px, 1fr)); gap: 12px; }
.chart { min-height: 240px; overflow: hidden; }
.chart-title { font-weight: 600; margin: 6px 0; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; background: #fff; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f1f3f5; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.sev-critical { color: #c92a2a; font-weight: 600; } .sev-high { color: #e8590c; font-weight: 600; } .sev-medium { color: #b07a00; } .sev-low { color: #1971c2; } .sev-info { color: var(--muted); }
.key span { display: inline-block; width: 10px; height: 10px; margin: 0 4px 0 12px; vertical-align: middle; }
code { background: #f1f3f5; padding: 0 4px; border-radius: 3px; }
`

/** The browser script. Plain ES5-style JavaScript so that it needs no build step. */
export const SCRIPT = `
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var FAULT = "rgba(201, 42, 42, 0.13)";
  var INTEGER_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];
  function widthOf(el) { return Math.max(320, Math.floor(el.getBoundingClientRect().width) || 520); }
  function mount(el, opts, d) {
    opts.width = widthOf(el);
    opts.height = opts.height || 220;
    var u = new uPlot(opts, d, el);
    el.setAttribute("data-rendered", "true");
    return u;
  }
  function faultShading(faults) {
    return {
      hooks: {
        drawClear: [function (u) {
          var ctx = u.ctx;
          ctx.save();
          ctx.fillStyle = FAULT;
          for (var i = 0; i < faults.length; i++) {
            var x0 = u.valToPos(faults[i].start, "x", true);
            var x1 = u.valToPos(faults[i].end, "x", true);
            var left = Math.max(u.bbox.left, Math.min(x0, x1));
            var right = Math.min(u.bbox.left + u.bbox.width, Math.max(x0, x1));
            if (right > left) ctx.fillRect(left, u.bbox.top, Math.max(2, right - left), u.bbox.height);
          }
          ctx.restore();
        }]
      }
    };
  }
  function timeChart(el, series, columns, faults, axes, range) {
    // With one or two windows a line has nothing to join: draw the points themselves.
    var few = columns[0].length <= 2;
    var s = [{}].concat(series.map(function (x) {
      return { label: x.label, stroke: x.color, width: 1.5, scale: x.scale || "y", points: { show: few, size: 7, fill: x.color } };
    }));
    mount(el, {
      scales: { x: { time: true, range: function () { return [range[0], range[1]]; } } },
      series: s,
      axes: axes,
      plugins: [faultShading(faults)],
      hooks: { ready: [function (u) { el.setAttribute("data-x-range", u.scales.x.min + "," + u.scales.x.max); }] }
    }, columns);
  }
  function barChart(el, labels, values, color) {
    var xs = labels.map(function (_, i) { return i; });
    mount(el, {
      legend: { show: false },
      scales: { x: { time: false, range: [-0.6, Math.max(labels.length - 0.4, 0.4)] }, y: { range: [0, Math.max(1, Math.max.apply(null, values.concat([0])) * 1.15)] } },
      axes: [
        { splits: function () { return xs; }, values: function (u, splits) { return splits.map(function (v) { return labels[v] === undefined ? "" : labels[v]; }); }, grid: { show: false } },
        { label: "count", incrs: INTEGER_STEPS }
      ],
      series: [{}, { label: "count", fill: color, stroke: color, paths: uPlot.paths.bars({ size: [0.6, 64] }), points: { show: false } }]
    }, [xs, values]);
  }
  function stackedBars(el, labels, layers) {
    // layers: bottom first; drawn as cumulative totals, the tallest (the full stack) first.
    var xs = labels.map(function (_, i) { return i; });
    var cum = [], acc = labels.map(function () { return 0; });
    for (var l = 0; l < layers.length; l++) {
      acc = acc.map(function (a, i) { return a + layers[l].values[i]; });
      cum.push(acc.slice());
    }
    var series = [{}], cols = [xs];
    for (var k = layers.length - 1; k >= 0; k--) {
      series.push({ label: layers[k].label, fill: layers[k].color, stroke: layers[k].color, paths: uPlot.paths.bars({ size: [0.6, 64] }), points: { show: false } });
      cols.push(cum[k]);
    }
    var top = Math.max.apply(null, (cum[cum.length - 1] || [0]).concat([0]));
    mount(el, {
      legend: { show: false },
      scales: { x: { time: false, range: [-0.6, Math.max(labels.length - 0.4, 0.4)] }, y: { range: [0, Math.max(1, top * 1.15)] } },
      axes: [
        { splits: function () { return xs; }, values: function (u, splits) { return splits.map(function (v) { return labels[v] === undefined ? "" : labels[v]; }); }, grid: { show: false } },
        { label: "invariants", incrs: INTEGER_STEPS }
      ],
      series: series
    }, cols);
  }
  function chart(name) { return document.querySelector('[data-chart="' + name + '"]'); }
  data.pipelines.forEach(function (p, i) {
    if (p.t.length === 0) return;
    timeChart(chart("latency-" + i), [
      { label: "p50 ms", color: "#2b8a3e" }, { label: "p95 ms", color: "#e67700" }, { label: "p99 ms", color: "#c92a2a" }
    ], [p.t, p.p50, p.p95, p.p99], p.faults, [{}, { label: "latency (ms)" }], p.x);
    timeChart(chart("throughput-" + i), [
      { label: "requests/s", color: "#1971c2" }, { label: "error rate %", color: "#c92a2a", scale: "pct" }
    ], [p.t, p.rps, p.errPct], p.faults, [{}, { label: "requests/s" }, { side: 1, scale: "pct", label: "error rate (%)", grid: { show: false } }], p.x);
  });
  if (data.severity.values.length > 0) barChart(chart("findings-severity"), data.severity.labels, data.severity.values, "#e8590c");
  if (data.types.values.length > 0) barChart(chart("findings-type"), data.types.labels, data.types.values, "#1971c2");
  if (data.invariants.labels.length > 0) stackedBars(chart("invariants"), data.invariants.labels, [
    { label: "held", color: "#2b8a3e", values: data.invariants.pass },
    { label: "violated", color: "#c92a2a", values: data.invariants.violated },
    { label: "never hit", color: "#adb5bd", values: data.invariants.neverHit }
  ]);
  document.body.setAttribute("data-charts-done", "true");
})();
`
