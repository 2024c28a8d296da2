import type { LoggerService } from '@nestjs/common';
import type { LogFields } from './log-fields.js';
import { isLevelEnabled, type LogFormat, type LogLevel } from './log-level.js';
import { formatLogLine } from './log-line.js';

export interface TaggedLoggerOptions {
  /** The node tag every line starts with, e.g. `node2`. */
  node: string;
  /** Lines below this level are dropped. @default 'info' */
  level?: LogLevel;
  /** `text` for people, `json` for log shippers. @default 'text' */
  format?: LogFormat;
  /** Where lines go. @default process.stdout */
  write?: (line: string) => void;
}

/**
 * Nest's own start-up chatter (module wiring, route mapping) is useful when
 * debugging the app, noise otherwise: it is demoted to debug.
 */
const FRAMEWORK_CONTEXTS = new Set([
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'WebSocketsController',
  'NestFactory',
  'NestApplication',
]);

/**
 * The narrow logging face the plain (non-Nest) classes depend on. `fields` name
 * what a line is about (`sid`, `user`, `room`, `peer`, `kind`, `via`, …).
 */
export interface Log {
  error(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  isDebugEnabled(): boolean;
}

/**
 * The node's single logger: every line carries the node tag. Serves Nest as its
 * LoggerService and hands the plain classes a `Log` bound to their context.
 */
export class TaggedLogger implements LoggerService {
  readonly node: string;
  private readonly level: LogLevel;
  private readonly format: LogFormat;
  private readonly write: (line: string) => void;

  constructor(options: TaggedLoggerOptions) {
    this.node = options.node;
    this.level = options.level ?? 'info';
    this.format = options.format ?? 'text';
    this.write = options.write ?? ((line) => process.stdout.write(`${line}\n`));
  }

  isEnabled(level: LogLevel): boolean {
    return isLevelEnabled(this.level, level);
  }

  emit(level: LogLevel, context: string, message: string, fields?: LogFields): void {
    if (!this.isEnabled(level)) return;
    this.write(
      formatLogLine({ node: this.node, time: new Date(), level, context, message, fields }, this.format),
    );
  }

  /** A `Log` for one component, e.g. `logger.forContext('Router')`. */
  forContext(context: string): Log {
    return {
      error: (message, fields) => this.emit('error', context, message, fields),
      warn: (message, fields) => this.emit('warn', context, message, fields),
      info: (message, fields) => this.emit('info', context, message, fields),
      debug: (message, fields) => this.emit('debug', context, message, fields),
      isDebugEnabled: () => this.isEnabled('debug'),
    };
  }

  // LoggerService: Nest passes the context as the last optional parameter.
  log(message: unknown, ...rest: unknown[]): void {
    const context = contextOf(rest);
    this.emit(FRAMEWORK_CONTEXTS.has(context) ? 'debug' : 'info', context, text(message));
  }
  error(message: unknown, ...rest: unknown[]): void {
    // Nest calls error(message, stack?, context?).
    const context = contextOf(rest);
    const stack = rest.length > 1 && typeof rest[0] === 'string' ? `\n${rest[0]}` : '';
    this.emit('error', context, text(message) + stack);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.emit('warn', contextOf(rest), text(message));
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.emit('debug', contextOf(rest), text(message));
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.emit('trace', contextOf(rest), text(message));
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.emit('error', contextOf(rest), text(message));
  }
}

function contextOf(rest: unknown[]): string {
  const last = rest[rest.length - 1];
  // A context is a short name; a multi-line string there is a stack, not a context.
  return typeof last === 'string' && /^[\w.:-]{1,64}$/.test(last) ? last : 'App';
}

function text(message: unknown): string {
  if (typeof message === 'string') return message;
  if (message instanceof Error) return message.stack ?? message.message;
  try {
    return JSON.stringify(message);
  } catch {
    return String(message);
  }
}
