import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NodeMetrics } from './node-metrics.js';

interface Panel {
  type: string;
  title: string;
  targets?: Array<{ expr: string }>;
}

const DASHBOARD = new URL('../../../../ops/grafana/ringchat.json', import.meta.url);
const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[]; uid: string };
const graphs = dashboard.panels.filter((panel) => panel.type !== 'row');

/** Metric names a PromQL expression reads: histogram series are named by their histogram. */
function metricNames(expr: string): string[] {
  const names = expr.match(/\b(?:ringchat|nodejs|process)_[a-z0-9_]+/g) ?? [];
  return names.map((name) => name.replace(/_(bucket|count|sum)$/, ''));
}

describe('the Grafana dashboard (ops/grafana/ringchat.json)', () => {
  const registry = new NodeMetrics({ node: 'node1' }).registry;
  const registered = new Set(registry.getMetricsAsArray().map((metric) => metric.name));

  it('reads only series a node exposes, in every panel', () => {
    expect(graphs.length).toBeGreaterThan(10);
    for (const panel of graphs) {
      const names = (panel.targets ?? []).flatMap((target) => metricNames(target.expr));
      expect(names.length, `panel "${panel.title}" queries no series`).toBeGreaterThan(0);
      for (const name of names) expect(registered, `panel "${panel.title}"`).toContain(name);
    }
  });

  it('shows every ringchat series somewhere', () => {
    const shown = new Set(
      graphs.flatMap((panel) => (panel.targets ?? []).flatMap((t) => metricNames(t.expr))),
    );
    const ringchat = [...registered].filter((name) => name.startsWith('ringchat_'));
    expect(ringchat.filter((name) => !shown.has(name))).toEqual([]);
  });

  it('has unique panel ids and titles a person can tell apart', () => {
    const titles = graphs.map((panel) => panel.title);
    expect(new Set(titles).size).toBe(titles.length);
    expect(dashboard.uid).toBe('ringchat');
  });
});
