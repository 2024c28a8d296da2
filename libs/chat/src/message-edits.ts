import { ChatEvent, type ChatMessageEvent, type MessageChangeKind } from '@app/chat-protocol';
import { LuaScript, type RedisClient } from '@app/redis';
import { chatKeys } from './chat-keys.js';
import { conversationKeys } from './conversation-keys.js';
import {
  DEDUP_LOOKUP,
  RoomHistory,
  type AnswerLimits,
  type AppendRequest,
  type Page,
  type PublishOptions,
  type Replay,
  type RetentionOptions,
} from './room-history.js';
import { deliveryChannel, type PublishCommand } from './room-delivery.js';

/**
 * Stores an edit or a delete as the room's next stream entry, the way a message
 * is appended (de-duplicated by clientMsgId, trimmed, published in stream order
 * in the same atomic step), after checking that the target is a message of the
 * same identity and not deleted. Records the target's latest state for history
 * answers, and drops the states of trimmed messages when there are more than
 * the stream holds.
 *
 * KEYS: stream, dedup key, changes
 * ARGV: room, user, text, node, clientMsgId ('' for none), max length, max age ms
 *       (0: none), dedup ttl s, channel, user id, guest ('1' or '0'), kind, target,
 *       publish command (PUBLISH, or SPUBLISH on a RedisClient Cluster)
 * Returns {id, 1 if a duplicate else 0} or {refusal ('missing' | 'forbidden' | 'deleted'), 2}.
 */
const CHANGE_SCRIPT = new LuaScript(`${DEDUP_LOOKUP}
local target = redis.call('XRANGE', KEYS[1], ARGV[13], ARGV[13])[1]
if not target then return {'missing', 2} end
local author, kind = '', false
for i = 1, #target[2], 2 do
  if target[2][i] == 'uid' then author = target[2][i + 1] end
  if target[2][i] == 'kind' then kind = true end
end
if kind then return {'missing', 2} end
if author ~= ARGV[10] then return {'forbidden', 2} end
local state = redis.call('HGET', KEYS[3], ARGV[13])
if state and cjson.decode(state).deleted then return {'deleted', 2} end
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)[1]
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[6], '*', 'user', ARGV[2], 'message', ARGV[3],
  'node', ARGV[4], 'cid', cid, 'uid', ARGV[10], 'guest', ARGV[11], 'kind', ARGV[12], 'target', ARGV[13])
local ms = tonumber(string.match(id, '^(%d+)'))
if tonumber(ARGV[7]) > 0 then
  redis.call('XTRIM', KEYS[1], 'MINID', '~', tostring(ms - tonumber(ARGV[7])))
end
if cid ~= '' then redis.call('SET', KEYS[2], id, 'EX', ARGV[8]) end
local latest = {edited = id}
if ARGV[12] == 'delete' then latest.deleted = true else latest.text = ARGV[3] end
redis.call('HSET', KEYS[3], ARGV[13], cjson.encode(latest))
if redis.call('HLEN', KEYS[3]) > tonumber(ARGV[6]) then
  local first = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)[1][1]
  local fms, fseq = string.match(first, '^(%d+)-(%d+)$')
  for _, old in ipairs(redis.call('HKEYS', KEYS[3])) do
    local oms, oseq = string.match(old, '^(%d+)-(%d+)$')
    if tonumber(oms) < tonumber(fms) or (oms == fms and tonumber(oseq) < tonumber(fseq)) then
      redis.call('HDEL', KEYS[3], old)
    end
  end
end
local event = {id = id, room = ARGV[1], user = ARGV[2], userId = ARGV[10], guest = ARGV[11] == '1',
  message = ARGV[3], ts = ms, node = ARGV[4], kind = ARGV[12], target = ARGV[13]}
if cid ~= '' then event.clientMsgId = cid end
if last then event.prev = last[1] end
redis.call(ARGV[14], ARGV[9], cjson.encode(event))
return {id, 0}
`);

export interface ChangeRequest extends Omit<AppendRequest, 'message'> {
  kind: MessageChangeKind;
  /** The message changed. */
  target: string;
  /** The new text of an edit ('' for a delete). */
  message: string;
}

/** A stored change, or why none was: no such message, another's, or deleted already. */
export type ChangeOutcome =
  { id: string; duplicate: boolean } | { refused: 'missing' | 'forbidden' | 'deleted' };

/** A message's latest change, as kept beside the stream. */
interface LatestChange {
  edited: string;
  text?: string;
  deleted?: boolean;
}

/**
 * A room's history with its edits and deletes: stores changes as stream
 * entries, and serves every message with its latest text (`edited`, `deleted`)
 * and every change entry of a deleted message without its text. The change
 * entries stay in the answers, in order, so a client that had a message before
 * the change still hears of it; applying a change only if newer than the
 * message's `edited` makes each change count once.
 */
export class EditableRoomHistory extends RoomHistory {
  private readonly changeChannel: (room: string) => string;
  private readonly changeCommand: PublishCommand;

  constructor(
    private readonly store: RedisClient,
    private readonly limits: RetentionOptions,
    /** Told of every stored message or change, e.g. to keep the rooms list's activity. */
    private readonly onActivity: (room: string) => Promise<void> = async () => undefined,
    publishing: PublishOptions = {},
  ) {
    super(store, limits, publishing);
    // Changes go where the room's messages go: a client must hear both in stream order.
    this.changeChannel = (room) => deliveryChannel(publishing.delivery ?? 'room', room);
    this.changeCommand = publishing.publishCommand ?? 'PUBLISH';
  }

  override async append(request: AppendRequest): Promise<{ id: string; duplicate: boolean }> {
    const stored = await super.append(request);
    if (!stored.duplicate) this.noteActivity(request.room);
    return stored;
  }

  async appendChange(request: ChangeRequest): Promise<ChangeOutcome> {
    const cid = request.clientMsgId ?? '';
    const [first, code] = await CHANGE_SCRIPT.run<[string, number]>(
      this.store,
      [
        chatKeys.stream(request.room),
        chatKeys.dedup(request.room, request.userId, cid),
        conversationKeys.changes(request.room),
      ],
      [
        request.room,
        request.user,
        request.message,
        request.node,
        cid,
        this.limits.maxMessages,
        this.limits.maxAgeMs,
        this.limits.dedupTtlSeconds,
        this.changeChannel(request.room),
        request.userId,
        request.guest ? '1' : '0',
        request.kind,
        request.target,
        this.changeCommand,
      ],
    );
    if (code === 2) return { refused: first as 'missing' | 'forbidden' | 'deleted' };
    if (code === 0) this.noteActivity(request.room);
    return { id: first, duplicate: code === 1 };
  }

  /** The rooms list's order is best effort: it never delays or fails what was stored. */
  private noteActivity(room: string): void {
    this.onActivity(room).catch(() => undefined);
  }

  override async page(room: string, limits: AnswerLimits, beforeId?: string): Promise<Page> {
    const page = await super.page(room, limits, beforeId);
    return { ...page, messages: await this.withLatest(room, page.messages) };
  }

  override async after(room: string, lastId: string, limits: AnswerLimits): Promise<Replay> {
    const replay = await super.after(room, lastId, limits);
    return { ...replay, messages: await this.withLatest(room, replay.messages) };
  }

  /**
   * Read after the entries, so a message shows at least every change among
   * them (perhaps a newer one: a client then ignores that change's entry).
   */
  private async withLatest(room: string, entries: ChatMessageEvent[]): Promise<ChatMessageEvent[]> {
    if (entries.length === 0) return entries;
    const ids = [...new Set(entries.map((entry) => entry.target ?? entry.id))];
    const raw = await this.store.hmget(conversationKeys.changes(room), ...ids);
    const latest = new Map<string, LatestChange>();
    ids.forEach((id, i) => {
      if (raw[i]) latest.set(id, JSON.parse(raw[i]) as LatestChange);
    });
    if (latest.size === 0) return entries;
    return entries.map((entry) => applyLatest(entry, latest));
  }
}

function applyLatest(entry: ChatMessageEvent, latest: Map<string, LatestChange>): ChatMessageEvent {
  if (entry.kind !== undefined) {
    // An edit of a deleted message keeps its place, not its text.
    return latest.get(entry.target!)?.deleted ? { ...entry, message: '' } : entry;
  }
  const change = latest.get(entry.id);
  if (!change) return entry;
  if (change.deleted) return { ...entry, message: '', edited: change.edited, deleted: true };
  return { ...entry, message: change.text ?? entry.message, edited: change.edited };
}

/** The event a live stream entry goes out as: a message, or a change of one. */
export function liveEventOf(
  entry: ChatMessageEvent,
): typeof ChatEvent.ChatMessage | typeof ChatEvent.MessageChanged {
  return entry.kind === undefined ? ChatEvent.ChatMessage : ChatEvent.MessageChanged;
}
