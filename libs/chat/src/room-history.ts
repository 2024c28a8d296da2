import { LuaScript, type RedisClient } from '@app/redis';
import { chatKeys } from './chat-keys.js';
import { deliveryChannel, type PublishCommand, type RoomDelivery } from './room-delivery.js';
import type { ChatMessageEvent, Participant } from '@app/chat-protocol';

/**
 * Shared by the scripts that append (messages, and edits in message-edits.ts):
 * a clientMsgId (ARGV[5]) seen before answers with the first copy's id (KEYS[2]).
 */
export const DEDUP_LOOKUP = `
local cid = ARGV[5]
if cid ~= '' then
  local existing = redis.call('GET', KEYS[2])
  if existing then return {existing, 1} end
end`;

/**
 * Append and broadcast in one round trip: de-duplicate by clientMsgId, XADD
 * (trimmed), remember the clientMsgId, and publish the stored message (PUBLISH,
 * or SPUBLISH on a Redis Cluster, by ARGV[12]) — in one
 * atomic step, so the publish order of a room is its stream order. The
 * published message names the id before it (`prev`): a client that did not
 * see that one knows it missed something, even on a connection that never
 * broke (a relayed long-poll answer can die with the node relaying it).
 *
 * KEYS: stream, dedup key
 * ARGV: room, user, message, node, clientMsgId ('' for none), max length,
 *       max age ms (0: none), dedup ttl s, channel, user id, guest ('1' or '0'),
 *       publish command
 */
const APPEND_SCRIPT = new LuaScript(`${DEDUP_LOOKUP}
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)[1]
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[6], '*',
  'user', ARGV[2], 'message', ARGV[3], 'node', ARGV[4], 'cid', cid, 'uid', ARGV[10], 'guest', ARGV[11])
local ms = tonumber(string.match(id, '^(%d+)'))
if tonumber(ARGV[7]) > 0 then
  redis.call('XTRIM', KEYS[1], 'MINID', '~', tostring(ms - tonumber(ARGV[7])))
end
if cid ~= '' then redis.call('SET', KEYS[2], id, 'EX', ARGV[8]) end
local event = {id = id, room = ARGV[1], user = ARGV[2], userId = ARGV[10], guest = ARGV[11] == '1',
  message = ARGV[3], ts = ms, node = ARGV[4]}
if cid ~= '' then event.clientMsgId = cid end
if last then event.prev = last[1] end
redis.call(ARGV[12], ARGV[9], cjson.encode(event))
return {id, 0}
`);

/**
 * Reads entries of KEYS[1] from `from` towards `to` (XRANGE or XREVRANGE, by
 * `cmd`) until `count` entries or `maxBytes` (ids, field names and values; the
 * first entry always fits). In small chunks, so a cut answer copies little
 * more than it returns. Returns the entries and 1 if more remain, else 0.
 */
const COLLECT = `
local function collect(cmd, from, to, count, maxBytes)
  local out, bytes = {}, 0
  while #out < count do
    local want = math.min(count - #out, 10)
    local chunk = redis.call(cmd, KEYS[1], from, to, 'COUNT', want)
    for _, entry in ipairs(chunk) do
      local size = #entry[1]
      for _, value in ipairs(entry[2]) do size = size + #value end
      if #out > 0 and bytes + size > maxBytes then return out, 1 end
      out[#out + 1] = entry
      bytes = bytes + size
    end
    if #chunk < want then return out, 0 end
    from = '(' .. chunk[#chunk][1]
  end
  return out, #redis.call(cmd, KEYS[1], from, to, 'COUNT', 1)
end
`;

/**
 * The messages after `lastId`, as many as the limits allow, or word that some
 * of them were trimmed away.
 * KEYS: stream. ARGV: lastId, count, max bytes. Returns {recovered (0|1), entries, more (0|1)}.
 */
const AFTER_SCRIPT = new LuaScript(`${COLLECT}
if redis.call('EXISTS', KEYS[1]) == 0 then return {0, {}, 0} end
local info = redis.call('XINFO', 'STREAM', KEYS[1])
local deleted = '0-0'
for i = 1, #info, 2 do
  if info[i] == 'max-deleted-entry-id' then deleted = info[i + 1] end
end
local function parse(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local lms, lseq = parse(ARGV[1])
local dms, dseq = parse(deleted)
if dms > lms or (dms == lms and dseq > lseq) then return {0, {}, 0} end
local entries, more = collect('XRANGE', '(' .. ARGV[1], '+', tonumber(ARGV[2]), tonumber(ARGV[3]))
return {1, entries, more}
`);

/**
 * The newest messages before `from` ('+': the newest of all), newest first.
 * KEYS: stream. ARGV: from, count, max bytes. Returns {entries, more (0|1)}.
 */
const PAGE_SCRIPT = new LuaScript(`${COLLECT}
local entries, more = collect('XREVRANGE', ARGV[1], '-', tonumber(ARGV[2]), tonumber(ARGV[3]))
return {entries, more}
`);

type StreamEntry = [id: string, fields: string[]];

export interface AppendRequest extends Participant {
  room: string;
  message: string;
  node: string;
  clientMsgId?: string;
}

export interface RetentionOptions {
  maxMessages: number;
  maxAgeMs: number;
  dedupTtlSeconds: number;
  /**
   * Replicas that must hold a message before its append resolves (WAIT on the
   * room's master), so that a failover cannot lose an acked message. @default 0
   */
  ackReplicas?: number;
  /** How long WAIT may take before the append fails as `NOREPLICAS`. @default 500 */
  ackReplicaTimeoutMs?: number;
}

/** Where and how a stored message is published. */
export interface PublishOptions {
  /** A channel per room, or one for all rooms (see RoomDelivery). @default 'room' */
  delivery?: RoomDelivery;
  /** SPUBLISH when the Redis is a cluster: a room's channel shares its keys' slot. @default 'PUBLISH' */
  publishCommand?: PublishCommand;
}

export interface Page {
  messages: ChatMessageEvent[];
  more: boolean;
}

/** What one answer may hold: messages, and bytes of their ids, names and texts. */
export interface AnswerLimits {
  maxMessages: number;
  maxBytes: number;
}

/** The messages after an id: `more` if the limits cut them short. */
export interface Replay {
  recovered: boolean;
  messages: ChatMessageEvent[];
  more: boolean;
}

/** A room's messages in its Redis Stream: append, pages, and replays for resume. */
export class RoomHistory {
  private readonly delivery: RoomDelivery;
  private readonly publishCommand: PublishCommand;

  constructor(
    private readonly redis: RedisClient,
    private readonly retention: RetentionOptions,
    publishing: PublishOptions = {},
  ) {
    this.delivery = publishing.delivery ?? 'room';
    this.publishCommand = publishing.publishCommand ?? 'PUBLISH';
  }

  /**
   * Stores and publishes a message; a repeated clientMsgId returns the first id
   * instead. With `ackReplicas`, resolves only once that many replicas hold it
   * (also for a repeat, which may be the retry of an append whose WAIT failed).
   */
  async append(request: AppendRequest): Promise<{ id: string; duplicate: boolean }> {
    const cid = request.clientMsgId ?? '';
    // Keyed by identity: one user's retry is a duplicate, another's same id is not.
    const keys = [chatKeys.stream(request.room), chatKeys.dedup(request.room, request.userId, cid)];
    const [id, duplicate] = await this.runAppend(keys, [
      request.room,
      request.user,
      request.message,
      request.node,
      cid,
      this.retention.maxMessages,
      this.retention.maxAgeMs,
      this.retention.dedupTtlSeconds,
      deliveryChannel(this.delivery, request.room),
      request.userId,
      request.guest ? '1' : '0',
      this.publishCommand,
    ]);
    return { id, duplicate: duplicate === 1 };
  }

  private async runAppend(keys: string[], args: Array<string | number>): Promise<[string, number]> {
    const replicas = this.retention.ackReplicas ?? 0;
    if (replicas === 0) return APPEND_SCRIPT.run<[string, number]>(this.redis, keys, args);
    const timeoutMs = this.retention.ackReplicaTimeoutMs ?? 500;
    // WAIT on the connection that ran the script: it counts the replicas holding this write.
    const [stored, confirmed] = await APPEND_SCRIPT.runFollowedBy<[string, number], number>(
      this.redis,
      keys,
      args,
      (pipeline) => pipeline.wait(replicas, timeoutMs),
    );
    if (confirmed < replicas) {
      throw new Error(
        `NOREPLICAS ${confirmed} of ${replicas} replicas confirmed the write within ${timeoutMs} ms`,
      );
    }
    return stored;
  }

  /** The newest messages (before `beforeId` if given) that fit `limits`, oldest first. */
  async page(room: string, limits: AnswerLimits, beforeId?: string): Promise<Page> {
    const [entries, more] = await PAGE_SCRIPT.run<[StreamEntry[], number]>(
      this.redis,
      [chatKeys.stream(room)],
      [beforeId ? `(${beforeId}` : '+', limits.maxMessages, limits.maxBytes],
    );
    return { messages: entries.reverse().map((entry) => toMessage(room, entry)), more: more === 1 };
  }

  /**
   * The messages after `lastId` that fit `limits`, oldest first, or
   * `recovered: false` if some of them are gone (trimmed by retention).
   */
  async after(room: string, lastId: string, limits: AnswerLimits): Promise<Replay> {
    const [recovered, entries, more] = await AFTER_SCRIPT.run<[number, StreamEntry[], number]>(
      this.redis,
      [chatKeys.stream(room)],
      [lastId, limits.maxMessages, limits.maxBytes],
    );
    return {
      recovered: recovered === 1,
      messages: entries.map((entry) => toMessage(room, entry)),
      more: more === 1,
    };
  }
}

function toMessage(room: string, [id, fields]: StreamEntry): ChatMessageEvent {
  const value: Record<string, string> = {};
  for (let i = 0; i < fields.length; i += 2) value[fields[i]] = fields[i + 1];
  const message: ChatMessageEvent = {
    id,
    room,
    user: value.user,
    userId: value.uid ?? '',
    guest: value.guest === '1',
    message: value.message,
    ts: Number(id.slice(0, id.indexOf('-'))),
    node: value.node,
  };
  if (value.cid) message.clientMsgId = value.cid;
  // An edit or delete (see message-edits.ts).
  if (value.kind === 'edit' || value.kind === 'delete') {
    message.kind = value.kind;
    message.target = value.target;
  }
  return message;
}
