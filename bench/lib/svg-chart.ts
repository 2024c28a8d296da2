/** One line of the chart: a system's sweep steps, in the order they were run. */
export interface ChartSeries {
  name: string;
  color: string;
  points: Array<{ x: number; y: number; passed: boolean }>;
}

export interface ChartOptions {
  title: string;
  subtitle: string;
  xLabel: string;
  yLabel: string;
  /** A horizontal dashed line (the p99 limit), in y units. */
  limit?: { y: number; label: string };
}

const WIDTH = 760;
const HEIGHT = 460;
const MARGIN = { left: 78, right: 24, top: 64, bottom: 58 };

/**
 * A hand-written SVG line chart: linear x from 0, logarithmic y (latencies span
 * orders of magnitude once a system saturates). Filled markers are steps that
 * passed, hollow ones the step that did not.
 */
export function lineChartSvg(series: ChartSeries[], options: ChartOptions): string {
  const all = series.flatMap((s) => s.points).filter((p) => p.y > 0 && Number.isFinite(p.y));
  const xMax = niceCeil(Math.max(1, ...all.map((p) => p.x)) * 1.05);
  const yValues = [...all.map((p) => p.y), ...(options.limit ? [options.limit.y] : [])];
  const yMin = 10 ** Math.floor(Math.log10(Math.max(0.1, Math.min(...yValues, 1))));
  // Headroom above the highest point, rounded up to 1, 2 or 5 × 10^n.
  const yMax = niceLogCeil(Math.max(...yValues, 10) * 1.3);
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const px = (x: number): number => MARGIN.left + (x / xMax) * plotW;
  const py = (y: number): number =>
    MARGIN.top + plotH - ((Math.log10(y) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * plotH;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${esc(options.title)}</text>`,
    `<text x="${WIDTH / 2}" y="42" text-anchor="middle" fill="#555">${esc(options.subtitle)}</text>`,
  );
  // Grid and ticks.
  for (let decade = yMin; decade <= yMax * 1.0001; decade *= 10) {
    for (const m of [1, 2, 5]) {
      const y = decade * m;
      if (y > yMax * 1.0001) break;
      const yy = py(y).toFixed(1);
      parts.push(
        `<line x1="${MARGIN.left}" y1="${yy}" x2="${WIDTH - MARGIN.right}" y2="${yy}" stroke="${m === 1 ? '#ccc' : '#eee'}"/>`,
        `<text x="${MARGIN.left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle">${formatNumber(y)}</text>`,
      );
    }
  }
  const xStep = niceStep(xMax / 6);
  for (let x = 0; x <= xMax + 1e-9; x += xStep) {
    const xx = px(x).toFixed(1);
    parts.push(
      `<line x1="${xx}" y1="${MARGIN.top}" x2="${xx}" y2="${MARGIN.top + plotH}" stroke="#eee"/>`,
      `<text x="${xx}" y="${MARGIN.top + plotH + 16}" text-anchor="middle">${formatNumber(x)}</text>`,
    );
  }
  parts.push(
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`,
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 14}" text-anchor="middle">${esc(options.xLabel)}</text>`,
    `<text x="18" y="${MARGIN.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 18 ${MARGIN.top + plotH / 2})">${esc(options.yLabel)}</text>`,
  );
  if (options.limit) {
    const yy = py(options.limit.y).toFixed(1);
    parts.push(
      `<line x1="${MARGIN.left}" y1="${yy}" x2="${WIDTH - MARGIN.right}" y2="${yy}" stroke="#c00" stroke-dasharray="6 4"/>`,
      `<text x="${WIDTH - MARGIN.right - 4}" y="${Number(yy) - 5}" text-anchor="end" fill="#c00">${esc(options.limit.label)}</text>`,
    );
  }
  for (const s of series) {
    const points = s.points.filter((p) => p.y > 0 && Number.isFinite(p.y));
    if (points.length === 0) continue;
    const path = points.map((p) => `${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ');
    parts.push(`<polyline points="${path}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    for (const p of points) {
      parts.push(
        `<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="4" stroke="${s.color}" stroke-width="2" fill="${p.passed ? s.color : 'white'}"/>`,
      );
    }
  }
  // Legend, bottom right inside the plot: latency rises with the rate, so that corner stays empty.
  const legendW = 390;
  const legendH = 18 * (series.length + 1) + 8;
  const legendX = MARGIN.left + plotW - legendW - 8;
  const legendTop = MARGIN.top + plotH - legendH - 8;
  parts.push(
    `<rect x="${legendX}" y="${legendTop}" width="${legendW}" height="${legendH}" fill="white" stroke="#ccc"/>`,
  );
  series.forEach((s, i) => {
    const y = legendTop + 13 + i * 18;
    parts.push(
      `<line x1="${legendX + 10}" y1="${y}" x2="${legendX + 34}" y2="${y}" stroke="${s.color}" stroke-width="2"/>`,
      `<circle cx="${legendX + 22}" cy="${y}" r="4" fill="${s.color}"/>`,
      `<text x="${legendX + 40}" y="${y}" dominant-baseline="middle">${esc(s.name)}</text>`,
    );
  });
  const legendY = legendTop + 13 + series.length * 18;
  parts.push(
    `<circle cx="${legendX + 22}" cy="${legendY}" r="4" fill="white" stroke="#333" stroke-width="2"/>`,
    `<text x="${legendX + 40}" y="${legendY}" dominant-baseline="middle">step over the limit (or with losses)</text>`,
    '</svg>',
  );
  return `${parts.join('\n')}\n`;
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
}

/** The smallest 1, 2 or 5 × 10^n at or above `value`. */
function niceLogCeil(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 5, 10]) if (m * power >= value) return m * power;
  return 10 * power;
}

function niceCeil(value: number): number {
  const step = niceStep(value / 6);
  return Math.ceil(value / step) * step;
}

function formatNumber(value: number): string {
  if (value >= 1000) return `${Math.round(value / 100) / 10}k`.replace('.0k', 'k');
  return String(Math.round(value * 100) / 100);
}
