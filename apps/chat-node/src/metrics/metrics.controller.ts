import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { sameToken } from '../admin/admin-auth.js';
import type { NodeConfig } from '../config/node-config.js';
import { NODE_CONFIG } from '../tokens.js';
import { NodeMetrics } from './node-metrics.js';

/**
 * Prometheus scrapes each node on its own port (nginx answers 404 for /metrics).
 * With METRICS_TOKEN set, a scrape must send `Authorization: Bearer <token>`.
 */
@Controller()
export class MetricsController {
  constructor(
    @Inject(NodeMetrics) private readonly metrics: NodeMetrics,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
  ) {}

  @Get('metrics')
  async scrape(@Req() req: Request, @Res() res: Response): Promise<void> {
    const token = this.config.metricsToken;
    if (token) {
      const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
      if (!bearer) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="ringchat metrics"');
        res
          .status(401)
          .json({ error: 'send "Authorization: Bearer <METRICS_TOKEN>"', code: 'metrics_token_required' });
        return;
      }
      if (!sameToken(bearer, token)) {
        res.status(403).json({ error: 'wrong metrics token', code: 'metrics_token_refused' });
        return;
      }
    }
    const { contentType, body } = await this.metrics.exposition();
    res.setHeader('Cache-Control', 'no-store');
    res.type(contentType).send(body);
  }
}
