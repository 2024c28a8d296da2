import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { TaggedLogger } from '@app/logging';
import { RedisConnections } from '@app/redis';
import { ChatNodeModule } from './chat-node.module.js';
import { ClusterIoAdapter } from './cluster-io.adapter.js';
import {
  ConfigError,
  configHelp,
  describeConfig,
  loadNodeConfig,
  type NodeConfig,
} from './config/node-config.js';
import { NodeState } from './node-state.js';

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

  const state = new NodeState();
  const app = await NestFactory.create<NestExpressApplication>(
    ChatNodeModule.forRoot(config, logger, state),
    {
      logger,
      forceCloseConnections: true,
      bodyParser: false,
    },
  );
  app.disable('x-powered-by');
  const ioAdapter = new ClusterIoAdapter(
    app,
    config,
    app.get(RedisConnections),
    logger,
  );
  app.useWebSocketAdapter(ioAdapter);

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    const started = Date.now();
    log.info(
      `${signal} received: shutting down (at most ${config.shutdownTimeoutMs} ms)`,
    );
    state.serving = false;
    state.shuttingDown = true;
    setTimeout(() => {
      log.error(
        `shutdown did not finish within ${config.shutdownTimeoutMs} ms; exiting by force`,
      );
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    ioAdapter.closeSessions();
    app
      .close()
      .then(() => {
        log.info(`stopped cleanly in ${Date.now() - started} ms`);
        process.exit(0);
      })
      .catch((error: unknown) => {
        log.error(`shutdown failed: ${String(error)}`);
        process.exit(1);
      });
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));

  await app.listen(config.port, config.host);
  state.serving = true;
  log.info(
    `listening on http://${config.host}:${config.port}, advertised as ${config.advertiseUrl}`,
  );
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(
    `[${process.env.NODE_ID ?? 'chat-node'}] failed to start: ${String(error)}\n`,
  );
  process.exit(1);
});
