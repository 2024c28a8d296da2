import { Agent, request, type IncomingHttpHeaders } from 'node:http';

/**
 * A bare engine.io v4 long-polling session driven by hand, so that one
 * measured request is exactly one HTTP request, sent to a node we choose.
 * (socket.io-client would batch, retry and pick the node through nginx.)
 */

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A node the benchmark talks to directly, without nginx. */
export interface NodeAddress {
  id: string;
  url: string;
}

/** engine.io v4 separates the packets of one polling payload with a record separator. */
const PACKET_SEPARATOR = '\x1e';
const NAMESPACE = '/chat';

/** Keep-alive connections per node, so a measurement never includes a TCP handshake. */
export class NodeConnections {
  private readonly agents = new Map<string, Agent>();

  send(url: string, method: 'GET' | 'POST', body?: string): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
      const req = request(url, {
        method,
        agent: this.agentFor(new URL(url).origin),
        headers: body === undefined ? {} : { 'content-type': 'text/plain;charset=UTF-8' },
      });
      req.on('error', reject);
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
        res.on('error', reject);
      });
      req.end(body);
    });
  }

  close(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }

  private agentFor(origin: string): Agent {
    let agent = this.agents.get(origin);
    if (!agent) {
      agent = new Agent({ keepAlive: true, maxSockets: 4 });
      this.agents.set(origin, agent);
    }
    return agent;
  }
}

export class PollingSession {
  private nextAckId = 1;

  private constructor(
    private readonly connections: NodeConnections,
    readonly sid: string,
    /** The node that owns the session: the one that answered the handshake. */
    readonly owner: NodeAddress,
  ) {}

  /** Handshakes on `node` directly; a node places the sessions it creates on itself. */
  static async open(connections: NodeConnections, node: NodeAddress): Promise<PollingSession> {
    const answer = await connections.send(`${node.url}/socket.io/?EIO=4&transport=polling`, 'GET');
    if (answer.status !== 200 || !answer.body.startsWith('0')) {
      throw new Error(`handshake on ${node.id} failed: ${answer.status} ${answer.body}`);
    }
    if (answer.headers['x-node'] !== node.id) {
      throw new Error(`handshake sent to ${node.id} was answered by ${String(answer.headers['x-node'])}`);
    }
    const { sid } = JSON.parse(answer.body.slice(1)) as { sid: string };
    return new PollingSession(connections, sid, node);
  }

  /** POST of one or more packets; engine.io answers "ok" as soon as it has read them. */
  async push(node: NodeAddress, payload: string): Promise<HttpAnswer> {
    const answer = await this.connections.send(this.urlOn(node), 'POST', payload);
    this.expectRouted(node, answer, 'ok');
    return answer;
  }

  /** One long-poll GET; answers a server ping on the way so the session stays open. */
  async poll(node: NodeAddress): Promise<string[]> {
    const answer = await this.connections.send(this.urlOn(node), 'GET');
    this.expectRouted(node, answer);
    const packets = answer.body.split(PACKET_SEPARATOR);
    if (packets.includes('2')) await this.push(node, '3');
    return packets.filter((packet) => packet !== '2');
  }

  /** Connects the /chat namespace as `user` and waits for the server's confirmation. */
  async joinChat(node: NodeAddress, user: string): Promise<void> {
    await this.push(node, `40${NAMESPACE},${JSON.stringify({ user })}`);
    for (;;) {
      const packets = await this.poll(node);
      if (packets.some((p) => p.startsWith(`44${NAMESPACE},`))) {
        throw new Error(`/chat refused ${user}: ${packets.join(' ')}`);
      }
      if (packets.some((p) => p.startsWith(`40${NAMESPACE},`))) return;
    }
  }

  /**
   * A socket.io request and its answer, the way a polling client sees it: a POST
   * carrying an event with an ack id, then GETs until the ack arrives. The event
   * is a `leave room` for a room the session is not in: the node refuses it at
   * once from memory (not in that room, or past the per-session rate limit, over
   * it), so the time is transport and routing, not Redis or chat work.
   */
  async requestWithAck(node: NodeAddress): Promise<void> {
    const id = this.nextAckId++;
    await this.push(node, `42${NAMESPACE},${id}${JSON.stringify(['leave room', { room: 'bench-nowhere' }])}`);
    const ack = `43${NAMESPACE},${id}[`;
    while (!(await this.poll(node)).some((packet) => packet.startsWith(ack))) {
      // Something else arrived first (a session event); the ack follows.
    }
  }

  /** Sends engine.io's close packet; the owner drops the session. */
  async close(): Promise<void> {
    await this.push(this.owner, '1');
  }

  private urlOn(node: NodeAddress): string {
    return `${node.url}/socket.io/?EIO=4&transport=polling&sid=${encodeURIComponent(this.sid)}`;
  }

  /**
   * Fails the benchmark when a request was not served the way it is counted:
   * `x-node` names the node reached, `x-owner` the node that served it.
   */
  private expectRouted(node: NodeAddress, answer: HttpAnswer, body?: string): void {
    const reached = answer.headers['x-node'];
    const servedBy = answer.headers['x-owner'];
    if (answer.status !== 200 || (body !== undefined && answer.body !== body)) {
      throw new Error(`${node.id} answered ${answer.status} "${answer.body}" for session ${this.sid}`);
    }
    if (reached !== node.id || servedBy !== this.owner.id) {
      throw new Error(
        `session ${this.sid} (owner ${this.owner.id}): sent to ${node.id}, ` +
          `reached ${String(reached)}, served by ${String(servedBy)}`,
      );
    }
  }
}
