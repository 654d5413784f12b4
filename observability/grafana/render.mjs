#!/usr/bin/env node
// Draws six key panels of tollgate.json from a live Prometheus into a PNG (2 × 3 time
// series, titled like the panels), with gnuplot. For the README: Grafana itself is not
// needed to show what the dashboard looks like.
//
//   node observability/grafana/render.mjs --prometheus http://127.0.0.1:9091 \
//        [--minutes 15] [--scrape-interval 15] [--out observability/grafana/dashboard.png]
//
// The panel queries are the dashboard's own, with every variable at "All" and
// $__rate_interval at least four scrape intervals (as Grafana sizes it) and a twelfth
// of the range, so a short range still draws smooth lines.
// Needs node >= 20 and gnuplot (Debian: gnuplot-nox). Only reads from Prometheus.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));

const PANELS = [
  "Requests / s by model and status class",
  "Request duration p50 / p90 / p99",
  "Time to first token p50 / p90 / p99",
  "Gateway overhead p50 / p99 (µs)",
  "Tokens / s by model",
  "Cost / hour by team",
];

function parseArgs(argv) {
  const opts = {
    prometheus: "http://127.0.0.1:9090",
    minutes: 15,
    out: path.join(here, "dashboard.png"),
    dashboard: path.join(here, "tollgate.json"),
    scrapeInterval: 15,
    title: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === "--prometheus") opts.prometheus = value;
    else if (flag === "--minutes") opts.minutes = Number(value);
    else if (flag === "--out") opts.out = path.resolve(value);
    else if (flag === "--dashboard") opts.dashboard = path.resolve(value);
    else if (flag === "--scrape-interval") opts.scrapeInterval = Number(value);
    else if (flag === "--title") opts.title = value;
    else {
      console.error(`usage: render.mjs [--prometheus URL] [--minutes N] [--out FILE] [--dashboard FILE] [--scrape-interval S] [--title TEXT]`);
      process.exit(2);
    }
    i++;
  }
  if (!(opts.minutes > 0)) throw new Error("--minutes must be positive");
  return opts;
}

// Grafana's variables with "All" selected, and its interval macros for this range.
function concrete(expr, rateInterval, range) {
  return expr
    .replace(/\$\{?__rate_interval\}?/g, `${rateInterval}s`)
    .replace(/\$\{?__interval\}?/g, `${rateInterval}s`)
    .replace(/\$\{?__range\}?/g, `${range}s`)
    .replace(/\$\{([A-Za-z_]\w*)(:\w+)?\}|\$([A-Za-z_]\w*)/g, ".*");
}

function legend(format, metric) {
  if (!format || format === "__auto") {
    const labels = Object.entries(metric).filter(([k]) => k !== "__name__");
    return labels.length ? labels.map(([k, v]) => `${k}=${v}`).join(", ") : "value";
  }
  return format.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name) => metric[name] ?? "").trim() || "value";
}

async function queryRange(base, expr, start, end, step) {
  const params = new URLSearchParams({ query: expr, start: String(start), end: String(end), step: String(step) });
  const res = await fetch(`${base}/api/v1/query_range?${params}`);
  const body = await res.json();
  if (body.status !== "success") throw new Error(`${expr}: ${body.error}`);
  return body.data.result;
}

function gnuplotString(s) {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

const UNIT_LABEL = { reqps: "req/s", s: "seconds", "µs": "µs", short: "", currencyUSD: "USD / hour", percentunit: "ratio" };

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const dashboard = JSON.parse(readFileSync(opts.dashboard, "utf8"));
  const all = [];
  const walk = (panels) => {
    for (const p of panels ?? []) {
      all.push(p);
      walk(p.panels);
    }
  };
  walk(dashboard.panels);

  const end = Math.floor(Date.now() / 1000);
  const range = Math.round(opts.minutes * 60);
  const start = end - range;
  const step = Math.max(1, Math.round(range / 240));
  const rateInterval = Math.max(step + opts.scrapeInterval, 4 * opts.scrapeInterval, Math.round(range / 12));

  const dir = mkdtempSync(path.join(os.tmpdir(), "tollgate-render-"));
  const plots = [];
  let seriesCount = 0;
  let firstPoint = end;
  for (const title of PANELS) {
    const panel = all.find((p) => p.title === title);
    if (!panel) throw new Error(`no panel titled "${title}" in ${opts.dashboard}`);
    const unit = panel.fieldConfig?.defaults?.unit ?? "short";
    let found = [];
    for (const target of panel.targets ?? []) {
      const result = await queryRange(opts.prometheus, concrete(target.expr, rateInterval, range), start, end, step);
      for (const series of result) {
        const points = series.values.filter(([, v]) => Number.isFinite(Number(v)));
        if (points.length) found.push({ points, title: legend(target.legendFormat, series.metric) });
      }
    }
    // Lines that stay at 0 (a panel's `or vector(0)` stand-in, a team that spent
    // nothing) only crowd the legend when others have something to show.
    const zero = (s) => s.points.every(([, v]) => Number(v) === 0);
    if (found.some((s) => !zero(s))) found = found.filter((s) => !zero(s));
    const lines = found.map((s) => {
      const file = path.join(dir, `s${seriesCount++}.dat`);
      writeFileSync(file, s.points.map(([t, v]) => `${t} ${v}`).join("\n") + "\n");
      for (const [t] of s.points) firstPoint = Math.min(firstPoint, Number(t));
      return { file, title: s.title };
    });
    plots.push({ title, unit, lines });
  }

  const from = Math.min(firstPoint, end - 60); // the range that has data, at least a minute
  const title = opts.title ?? `tollgate — last ${opts.minutes} min`;
  const script = [
    `set terminal pngcairo size 1800,900 enhanced font "DejaVu Sans,10" background rgb "#181b1f"`,
    `set output ${gnuplotString(opts.out)}`,
    `set multiplot layout 2,3 title ${gnuplotString(title)} font ",13" textcolor rgb "#d8d9da"`,
    `set border lc rgb "#5a5d63"`,
    `set grid lc rgb "#2c3036"`,
    `set tics textcolor rgb "#ccccdc"`,
    `set key top left textcolor rgb "#ccccdc" font ",8" noautotitle samplen 1.5`,
    `set xdata time`,
    `set timefmt "%s"`,
    `set format x "%H:%M:%S"`,
    `set xrange [${from}:${end}]`,
    `set xtics ${Math.max(1, Math.round((end - from) / 5))}`,
    `set yrange [0:*]`,
    `set style line 1 lc rgb "#73bf69" lw 2`,
    `set style line 2 lc rgb "#f2cc0c" lw 2`,
    `set style line 3 lc rgb "#8ab8ff" lw 2`,
    `set style line 4 lc rgb "#ff780a" lw 2`,
    `set style line 5 lc rgb "#f2495c" lw 2`,
    `set style line 6 lc rgb "#5794f2" lw 2`,
    `set style line 7 lc rgb "#b877d9" lw 2`,
    `set style line 8 lc rgb "#ff9830" lw 2`,
    `set style increment user`,
  ];
  for (const plot of plots) {
    script.push(`set title ${gnuplotString(plot.title)} textcolor rgb "#d8d9da" font ",11"`);
    script.push(`set ylabel ${gnuplotString(UNIT_LABEL[plot.unit] ?? plot.unit)} textcolor rgb "#ccccdc"`);
    if (plot.lines.length === 0) {
      script.push(`set label 1 "no data" at graph 0.5, graph 0.5 center textcolor rgb "#ccccdc"`);
      script.push(`plot [${from}:${end}] [0:1] NaN notitle`);
      script.push(`unset label 1`);
      continue;
    }
    const parts = plot.lines.map(
      (l, i) => `${gnuplotString(l.file)} using 1:2 with lines ls ${(i % 8) + 1} title ${gnuplotString(l.title)}`,
    );
    script.push(`plot ${parts.join(", \\\n     ")}`);
  }
  script.push("unset multiplot");
  const scriptFile = path.join(dir, "dashboard.gp");
  writeFileSync(scriptFile, script.join("\n") + "\n");
  const r = spawnSync("gnuplot", [scriptFile], { encoding: "utf8", timeout: 60000 });
  if (r.status !== 0) throw new Error(`gnuplot failed (${r.status}): ${r.stderr}`);
  rmSync(dir, { recursive: true, force: true });
  const empty = plots.filter((p) => p.lines.length === 0).map((p) => p.title);
  console.log(`wrote ${opts.out}: ${plots.length} panels, ${seriesCount} series` +
    (empty.length ? `; no data for: ${empty.join("; ")}` : ""));
}

main().catch((e) => {
  console.error(`render.mjs: ${e.message}`);
  process.exit(1);
});
