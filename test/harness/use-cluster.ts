import { afterAll, beforeAll } from 'vitest';
import { startCluster, type StartClusterOptions, type TestCluster } from './cluster.js';

/** A chat line as the tests compare it (the server adds id, ts, node, prev). */
export interface ChatLine {
  room: string;
  user: string;
  message: string;
}

export interface ClusterFixture {
  /** Set once beforeAll has run. */
  cluster: TestCluster;
  /** Clients to close when the suite ends. */
  clients: Array<{ close(): void }>;
}

/** One real cluster for a describe block: started before its tests, stopped after them. */
export function useCluster(options: StartClusterOptions = {}): ClusterFixture {
  const fixture = { clients: [] } as unknown as ClusterFixture;
  beforeAll(async () => {
    fixture.cluster = await startCluster(options);
  });
  afterAll(async () => {
    for (const client of fixture.clients) client.close();
    await fixture.cluster?.stop();
  });
  return fixture;
}
