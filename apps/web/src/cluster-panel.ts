import { byId, el } from './dom.js';

interface ClusterReport {
  node: string;
  epoch: number;
  members: Array<{ id: string }>;
}

/** The cluster as the node that answered sees it, refreshed every few seconds. */
export class ClusterPanel {
  constructor(private readonly myNode: () => string | undefined) {}

  start(): void {
    void this.refresh();
    setInterval(() => void this.refresh(), 5000);
  }

  async refresh(): Promise<void> {
    let report: ClusterReport;
    let answeredBy: string;
    try {
      const response = await fetch('/cluster', { cache: 'no-store' });
      report = (await response.json()) as ClusterReport;
      answeredBy = response.headers.get('x-node') ?? report.node;
    } catch {
      return;
    }
    const mine = this.myNode();
    const rows: Array<[string, string, string]> = [
      ['Ring epoch', String(report.epoch), 'epoch'],
      ['My session', mine ?? '—', 'owner'],
      ['Last answer', answeredBy, 'answered'],
    ];
    byId('cluster-info').replaceChildren(
      ...rows.flatMap(([label, value, key]) => [el('dt', {}, label), el('dd', { data: { key } }, value)]),
    );
    byId('cluster-members').replaceChildren(
      ...report.members.map((m) => el('li', { className: m.id === mine ? 'mine' : '' }, m.id)),
    );
  }
}
