import { Controller, Get, Inject, Optional } from '@nestjs/common';
import { ChatService } from '@app/chat';
import { ClusterView } from '@app/cluster';
import type { EventLoopLagReport } from './event-loop-lag.js';
import { NodeState } from './node-state.js';

export interface ClusterReport {
  node: string;
  epoch: number;
  ring: string[];
  members: Array<{ id: string; url: string; startedAt: string }>;
  /** Sessions hosted by this node. */
  sessions: number;
  /** Pinned sessions known cluster-wide (those reachable over HTTP). */
  pins: number;
  leaving: boolean;
  /** How late this node's event loop has run lately. */
  eventLoopLag: EventLoopLagReport;
  /** Room messages this node received from Redis since it started (0 without the chat). */
  roomMessagesReceived: number;
  /** Room channels this node listens on: rooms with local members, lingering ones included. */
  roomChannels: number;
}

/** The cluster as this node sees it: for people, the UI and the tests. */
@Controller()
export class ClusterController {
  constructor(
    @Inject(ClusterView) private readonly cluster: ClusterView,
    @Inject(NodeState) private readonly state: NodeState,
    // Absent in the protocol-test profile, which has no chat.
    @Optional() @Inject(ChatService) private readonly chat?: ChatService,
  ) {}

  @Get('cluster')
  report(): ClusterReport {
    const members = [...this.cluster.members().values()]
      .sort((a, b) => a.id.localeCompare(b.id))
      .map(({ id, url, startedAt }) => ({
        id,
        url,
        startedAt: new Date(startedAt).toISOString(),
      }));
    return {
      node: this.cluster.self,
      epoch: this.cluster.epoch,
      ring: [...this.cluster.ring.nodes],
      members,
      sessions: this.state.localSessions(),
      pins: this.cluster.pins.size,
      leaving: this.cluster.isLeaving,
      eventLoopLag: this.state.eventLoopLag.report(),
      ...(this.chat?.deliveryStats() ?? { roomMessagesReceived: 0, roomChannels: 0 }),
    };
  }
}
