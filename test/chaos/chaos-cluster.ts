import { startNginx, type TestNginx } from '../harness/nginx.js';
import { startNode, type TestNode } from '../harness/chat-node.js';
import { freePort } from '../harness/ports.js';
import { startRedis, type TestRedis } from '../harness/redis-server.js';
import { waitFor } from '../harness/wait.js';

/** Info-level logs: debug lines of 100 busy clients would fill memory; retention above any run. */
const NODE_ENV = { LOG_LEVEL: 'info', HISTORY_RETENTION: '1000000' };

/**
 * The test harness's cluster (Redis, nodes, nginx), plus what faults need:
 * nodes keep their id and port across restarts, so nginx's upstream list
 * stays the same; Redis comes back on its port with its data; every process
 * it ever started keeps its output for the result file.
 */
export class ChaosCluster {
  readonly nodes = new Map<string, TestNode>();
  /** Output of every process started, by name, oldest first. */
  readonly logs: Array<{ name: string; lines: string[] }> = [];
  private readonly paused = new Set<string>();
  private stopped = false;

  private constructor(
    public redis: TestRedis,
    readonly ports: Map<string, number>,
    private readonly nodeEnv: Record<string, string>,
    public nginx?: TestNginx,
  ) {}

  /** `nodeEnv`: settings every node gets on top of the run's own (e.g. a shorter drain). */
  static async start(nodeCount = 3, nodeEnv: Record<string, string> = {}): Promise<ChaosCluster> {
    const redis = await startRedis();
    const ids = Array.from({ length: nodeCount }, (_, i) => `node${i + 1}`);
    const ports = new Map<string, number>();
    for (const id of ids) ports.set(id, await freePort());
    const cluster = new ChaosCluster(redis, ports, { ...NODE_ENV, ...nodeEnv });
    cluster.keepLogs('redis', redis.process.lines);
    try {
      await Promise.all(ids.map((id) => cluster.startNode(id)));
      cluster.nginx = await startNginx(cluster.upstreams());
      cluster.keepLogs('nginx', cluster.nginx.process.lines);
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  get url(): string {
    if (!this.nginx) throw new Error('nginx is not running');
    return this.nginx.url;
  }

  get ids(): string[] {
    return [...this.ports.keys()];
  }

  /** Nodes running and not paused. */
  liveNodes(): TestNode[] {
    return [...this.nodes.values()].filter((n) => n.process.running && !this.paused.has(n.id));
  }

  upstreams(ids = this.ids): string[] {
    return ids.map((id) => `127.0.0.1:${this.ports.get(id)}`);
  }

  /**
   * Starts `id` on its port. A restarted id may be refused while its old
   * heartbeat is still live (the member TTL): tries again until it starts.
   */
  async startNode(id: string, timeoutMs = 30_000): Promise<TestNode> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const node = await startNode({
          id,
          redisUrl: this.redis.url,
          port: this.ports.get(id),
          env: this.nodeEnv,
        });
        this.keepLogs(id, node.process.lines);
        this.nodes.set(id, node);
        return node;
      } catch (error) {
        if (this.stopped || Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  node(id: string): TestNode {
    const node = this.nodes.get(id);
    if (!node) throw new Error(`no node ${id}`);
    return node;
  }

  async kill(id: string): Promise<void> {
    const node = this.node(id);
    node.process.kill('SIGKILL');
    this.paused.delete(id);
    await node.process.exited;
  }

  pause(id: string): void {
    this.node(id).process.kill('SIGSTOP');
    this.paused.add(id);
  }

  resume(id: string): void {
    if (!this.paused.delete(id)) return;
    this.node(id).process.kill('SIGCONT');
  }

  /** As cluster.sh does a graceful leave: out of nginx first, then SIGTERM. */
  async leave(id: string): Promise<void> {
    await this.nginx?.reload(this.upstreams(this.ids.filter((other) => other !== id)));
    await this.node(id).process.stop(40_000);
  }

  async rejoin(id: string): Promise<void> {
    await this.startNode(id);
    await this.nginx?.reload(this.upstreams());
  }

  async reloadNginx(): Promise<void> {
    await this.nginx?.reload(this.upstreams());
  }

  async stopRedis(): Promise<void> {
    await this.redis.stop();
  }

  async startRedis(): Promise<void> {
    this.redis = await startRedis({ port: this.redis.port, dataDir: this.redis.dataDir });
    this.keepLogs('redis', this.redis.process.lines);
  }

  /** Until every running node's ring lists exactly the running nodes. */
  async waitForRings(timeoutMs: number): Promise<void> {
    await waitFor(
      'every ring to list the running nodes',
      async () => {
        const live = this.liveNodes();
        const want = live.map((n) => n.id).sort();
        const rings = await Promise.all(
          live.map(async (n) => {
            const response = await fetch(`${n.url}/cluster`, { signal: AbortSignal.timeout(1000) });
            return ((await response.json()) as { ring: string[] }).ring.sort();
          }),
        );
        return rings.every((ring) => ring.join() === want.join());
      },
      timeoutMs,
      200,
    );
  }

  /** Stops everything; a paused node is continued first so that it can stop. Safe to call twice. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const id of this.paused) this.resume(id);
    await this.nginx?.stop();
    await Promise.all([...this.nodes.values()].map((node) => node.process.stop(5000)));
    await this.redis.stop();
  }

  private keepLogs(name: string, lines: string[]): void {
    this.logs.push({ name, lines });
  }
}
