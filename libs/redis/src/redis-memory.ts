/** The fields of `INFO memory` that say whether Redis still accepts writes. */
export interface RedisMemory {
  /** `used_memory`, bytes. */
  used: number;
  /** `maxmemory`, bytes; 0 for no limit. */
  max: number;
  /** `mem_not_counted_for_evict`: replication and AOF buffers, which the limit leaves out. */
  notCounted: number;
  /** `maxmemory_policy`, e.g. `noeviction`. */
  policy: string;
}

/** Reads the answer of `INFO memory` (lines of `name:value`). */
export function parseMemoryInfo(info: string): RedisMemory {
  const fields = new Map<string, string>();
  for (const line of info.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  const number = (name: string): number => Number(fields.get(name) ?? 0) || 0;
  return {
    used: number('used_memory'),
    max: number('maxmemory'),
    notCounted: number('mem_not_counted_for_evict'),
    policy: fields.get('maxmemory_policy') ?? 'noeviction',
  };
}

/**
 * Redis refuses writes (`OOM command not allowed`) once the memory it counts is
 * over `maxmemory` and it may not evict: `noeviction`, or a `volatile-*` policy,
 * which refuses too when no key with a TTL is left. An `allkeys-*` policy evicts
 * instead (and would drop stored messages, which is why ringchat runs `noeviction`).
 */
export function refusesWrites(memory: RedisMemory): boolean {
  if (memory.max <= 0 || memory.policy.startsWith('allkeys-')) return false;
  return memory.used - memory.notCounted > memory.max;
}
