import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Server } from 'node:http';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ClusterView } from '@app/cluster';
import { TaggedLogger, type Log } from '@app/logging';
import { RedisConnections } from '@app/redis';
import { SERVER_KEEP_ALIVE_TIMEOUT_MS } from '@app/session-routing';
import { ChatNodeModule } from './chat-node.module.js';
import { ClusterIoAdapter } from './cluster-io.adapter.js';
import { CONNECTION_LINGER_MS, connectionsClosed, stopAccepting } from './graceful-close.js';
import { advertiseWarning } from './config/advertise-check.js';
import { configHelp } from './config/config-help.js';
import { ConfigError, describeConfig, loadNodeConfig, type NodeConfig } from './config/node-config.js';
import { NodeMetrics } from './metrics/node-metrics.js';
import { NodeState } from './node-state.js';
import { securityHeaders } from './security-headers.js';

/** The browser UI, built into dist/web by `npm run build`. */
const WEB_ROOT = fileURLToPath(new URL('../../../../../web/', import.meta.url));

function serveWebUi(app: NestExpressApplication, log: Log): void {
  if (!existsSync(join(WEB_ROOT, 'index.html'))) {
    log.warn(`no browser UI at ${WEB_ROOT} (run npm run build); serving the API only`);
    return;
  }
  app.useStaticAssets(WEB_ROOT, { index: 'index.html', maxAge: '1h' });
}

/** nginx and forwarding peers close idle connections first (see keep-alive.ts). */
function keepIdleConnectionsLongerThanCallers(server: Server): void {
  server.keepAliveTimeout = SERVER_KEEP_ALIVE_TIMEOUT_MS;
  // Kept above the idle timeout, the usual pairing for servers behind a proxy.
  server.headersTimeout = SERVER_KEEP_ALIVE_TIMEOUT_MS + 1000;
}

function readConfigOrExit(): NodeConfig {
  try {
    return loadNodeConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // No valid node id yet to tag with: name the program instead.
    const tag = process.env.NODE_ID?.trim() || 'chat-node';
    process.stderr.write(`[${tag}] ${error.message}\n`);
    process.exit(2);
  }
}

async function bootstrap(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(configHelp());
    return;
  }
  const config = readConfigOrExit();
  const logger = new TaggedLogger({
    node: config.nodeId,
    level: config.logLevel,
    format: config.logFormat,
  });
  const log = logger.forContext('Node');
  log.info(`starting: ${describeConfig(config)}`);
  const unreachable = advertiseWarning(config.host, config.advertiseUrl);
  if (unreachable) log.warn(unreachable);

  const state = new NodeState();
  const app = await NestFactory.create<NestExpressApplication>(
    ChatNodeModule.forRoot(config, logger, state),
    {
      logger,
      forceCloseConnections: true,
      bodyParser: false,
      // Start-up failures (a taken NODE_ID, say) reach the catch below.
      abortOnError: false,
    },
  );
  app.disable('x-powered-by');
  app.use(securityHeaders);
  const server = app.getHttpServer() as Server;
  keepIdleConnectionsLongerThanCallers(server);
  serveWebUi(app, log);
  const cluster = app.get(ClusterView);
  const ioAdapter = new ClusterIoAdapter(
    app,
    config,
    app.get(RedisConnections),
    cluster,
    state,
    logger,
    app.get(NodeMetrics),
  );
  app.useWebSocketAdapter(ioAdapter);

  let stopping = false;
  const shutdown = async (reason: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    const started = Date.now();
    const limit = Math.max(config.drainTimeoutMs, CONNECTION_LINGER_MS) + config.shutdownTimeoutMs;
    log.info(`${reason}: leaving the cluster (at most ${limit} ms)`);
    setTimeout(() => {
      log.error(`shutdown did not finish within ${limit} ms; exiting by force`);
      process.exit(1);
    }, limit).unref();
    state.serving = false;
    state.shuttingDown = true;
    try {
      // Leave the ring first: peers stop placing and routing new work here.
      await cluster.leave().catch((error: Error) => log.warn(`could not leave the ring: ${error.message}`));
      stopAccepting(server);
      const { relaysLeft } = await ioAdapter.drain(config.drainTimeoutMs);
      if (relaysLeft > 0) log.warn(`drain timed out; cutting ${relaysLeft} relayed connections`);
      // Callers close the connections they still hold; the rest go after the linger.
      await connectionsClosed(server, started + CONNECTION_LINGER_MS - Date.now());
      await app.close();
      log.info(`stopped cleanly in ${Date.now() - started} ms`);
      process.exit(0);
    } catch (error) {
      log.error(`shutdown failed: ${String(error)}`);
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM received'));
  process.once('SIGINT', () => void shutdown('SIGINT received'));
  cluster.on('conflict', (error) => {
    log.error(error.message);
    void shutdown('node id taken over');
  });

  await app.listen(config.port, config.host);
  state.serving = true;
  log.info(`listening on http://${config.host}:${config.port}, advertised as ${config.advertiseUrl}`);
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`[${process.env.NODE_ID ?? 'chat-node'}] failed to start: ${String(error)}\n`);
  process.exit(1);
});
