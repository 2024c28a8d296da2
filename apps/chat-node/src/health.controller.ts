import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { RedisConnections } from '@app/redis';
import type { NodeConfig } from './config/node-config.js';
import { NodeState } from './node-state.js';
import { NODE_CONFIG } from './tokens.js';

/** Liveness and readiness probes, for cluster.sh, nginx checks and orchestrators. */
@Controller()
export class HealthController {
  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    @Inject(NodeState) private readonly state: NodeState,
    @Inject(RedisConnections) private readonly redis: RedisConnections,
  ) {}

  /** The process is up and its event loop answers. */
  @Get('healthz')
  healthz(): { status: 'ok'; node: string } {
    return { status: 'ok', node: this.config.nodeId };
  }

  /**
   * Redis is reachable and takes writes, and the node is serving: safe to send
   * clients here. Only probes read this (cluster.sh, tests, orchestrators); the
   * ring does not: a node stays a member while its heartbeats reach Redis.
   */
  @Get('readyz')
  async readyz(@Res() res: Response): Promise<void> {
    const problems: string[] = [];
    if (!this.state.serving) problems.push(this.state.shuttingDown ? 'shutting down' : 'starting');
    if (!this.redis.isReady() || !(await this.redis.ping())) problems.push('redis unreachable');
    else if (await this.redis.storeFull()) problems.push('redis store full');
    const ready = problems.length === 0;
    res.status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).json({
      status: ready ? 'ready' : 'not ready',
      node: this.config.nodeId,
      problems,
    });
  }
}
