import { afterAll, afterEach, beforeAll } from 'vitest';
import { startCluster, type StartClusterOptions, type TestCluster } from './cluster.js';
import { keepNodeLogs } from './failure-logs.js';

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
  let failedIn: string | undefined;
  afterEach(({ task }) => {
    if (task.result?.state === 'fail') failedIn = task.file.name;
  });
  afterAll(async () => {
    if (failedIn && fixture.cluster) {
      console.info(`node logs of the failed run kept in ${keepNodeLogs(fixture.cluster, failedIn)}`);
    }
    for (const client of fixture.clients) client.close();
    await fixture.cluster?.stop();
  });
  return fixture;
}
