/**
 * Charts as SVG text, rendered in Node by vega-lite + vega with no browser and no canvas (vega's "none"
 * renderer measures text by estimate). The SVG goes straight into report.html; vega escapes the text it
 * writes, and the labels come from study names, which the study schema already restricts.
 */
import { compile, type TopLevelSpec } from "vega-lite";
import { parse, View } from "vega";

const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
const BASELINE_COLOR = "#4c78a8";
const VARIANT_COLOR = "#e45756";

const CONFIG = {
  font: FONT,
  axis: { labelFontSize: 11, titleFontSize: 11, labelLimit: 220 },
  title: { fontSize: 13, anchor: "start" as const, fontWeight: 600 as const },
  view: { stroke: null },
};

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export interface AccuracyBar {
  /** Axis label: the variant (with its model when a study has several). */
  label: string;
  isBaseline: boolean;
  /** Fractions in [0, 1]. */
  score: number;
  low: number;
  high: number;
}

/** Horizontal bars of accuracy with their 95 % intervals, baseline first. */
export function accuracyChartSpec(title: string, bars: readonly AccuracyBar[]): TopLevelSpec {
  const values = bars.map((bar) => ({
    label: bar.label,
    role: bar.isBaseline ? "baseline" : "variant",
    percent: 100 * bar.score,
    low: 100 * bar.low,
    high: 100 * bar.high,
    text: `${(100 * bar.score).toFixed(1)}%  [${(100 * bar.low).toFixed(1)}, ${(100 * bar.high).toFixed(1)}]`,
  }));
  const y = { field: "label", type: "nominal" as const, sort: null, title: null };
  const x = (field: string, title?: string) => ({ field, type: "quantitative" as const, scale: { domain: [0, 100] }, ...(title ? { title } : { title: null }) });
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title,
    width: 420,
    height: { step: 28 },
    config: CONFIG,
    data: { values },
    encoding: { y },
    layer: [
      {
        mark: { type: "bar", height: { band: 0.62 } },
        encoding: {
          x: x("percent", "accuracy (%), with 95% interval"),
          color: { field: "role", type: "nominal", scale: { domain: ["baseline", "variant"], range: [BASELINE_COLOR, VARIANT_COLOR] }, legend: null },
          opacity: { value: 0.85 },
        },
      },
      { mark: { type: "rule", strokeWidth: 1.6, color: "#222" }, encoding: { x: x("low"), x2: { field: "high" } } },
      { mark: { type: "tick", thickness: 1.6, size: 12, color: "#222" }, encoding: { x: x("low") } },
      { mark: { type: "tick", thickness: 1.6, size: 12, color: "#222" }, encoding: { x: x("high") } },
      { mark: { type: "text", align: "left", dx: 6, fontSize: 11, color: "#222" }, encoding: { x: x("high"), text: { field: "text" } } },
    ],
  } as TopLevelSpec;
}

export interface LengthBox {
  label: string;
  isBaseline: boolean;
  p10: number;
  p25: number;
  median: number;
  p75: number;
  p90: number;
  mean: number;
}

/** Output-length distributions as boxes: whiskers p10–p90, box p25–p75, a tick at the median. */
export function lengthChartSpec(title: string, unit: string, boxes: readonly LengthBox[]): TopLevelSpec {
  const values = boxes.map((box) => ({ ...box, role: box.isBaseline ? "baseline" : "variant", text: `median ${round(box.median)}, mean ${round(box.mean)}` }));
  const x = (field: string, title?: string) => ({ field, type: "quantitative" as const, title: title ?? null, scale: { zero: true } });
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title,
    width: 420,
    height: { step: 28 },
    config: CONFIG,
    data: { values },
    encoding: { y: { field: "label", type: "nominal", sort: null, title: null } },
    layer: [
      { mark: { type: "rule", strokeWidth: 1.4, color: "#555" }, encoding: { x: x("p10", `${unit} per output (box: p25–p75, whiskers: p10–p90)`), x2: { field: "p90" } } },
      {
        mark: { type: "bar", height: { band: 0.55 } },
        encoding: {
          x: x("p25"),
          x2: { field: "p75" },
          color: { field: "role", type: "nominal", scale: { domain: ["baseline", "variant"], range: [BASELINE_COLOR, VARIANT_COLOR] }, legend: null },
          opacity: { value: 0.8 },
        },
      },
      { mark: { type: "tick", thickness: 2.5, size: 16, color: "#111" }, encoding: { x: x("median") } },
      { mark: { type: "text", align: "left", dx: 6, fontSize: 11, color: "#222" }, encoding: { x: x("p90"), text: { field: "text" } } },
    ],
  } as TopLevelSpec;
}

function round(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}
