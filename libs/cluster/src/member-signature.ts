import { createHmac, timingSafeEqual } from 'node:crypto';
import { asNodeId } from './ids.js';
import type { Member } from './member.js';

/** What opening a stored record gives: the member it vouches for, or the id it claimed. */
export type OpenedRecord = { ok: true; member: Member } | { ok: false; claimedId: string | undefined };

// Keeps a member MAC from ever matching a MAC made for another purpose with the same secret.
const PURPOSE = 'ringchat member record v1';
const SIGNATURE_PATTERN = /^[0-9a-f]{64}$/;

/**
 * Seals and opens member records. Anyone who can write to Redis can write a
 * record; only a holder of CLUSTER_SECRET can write one that opens, so Redis
 * cannot name a peer that nodes would forward to.
 */
export class MemberSignature {
  constructor(private readonly secret: string) {}

  /** The record as stored in the registry: the member's fields and their signature, as JSON. */
  seal(member: Member): string {
    return JSON.stringify({ ...canonical(member), signature: this.mac(member) });
  }

  /** The member a stored record vouches for; not ok if it is malformed or its signature fails. */
  open(record: string): OpenedRecord {
    const parsed = parse(record);
    if (!parsed) return { ok: false, claimedId: claimedId(record) };
    const { signature, ...fields } = parsed;
    const expected = Buffer.from(this.mac(fields), 'hex');
    const given = Buffer.from(signature, 'hex');
    if (!timingSafeEqual(expected, given)) return { ok: false, claimedId: fields.id };
    return { ok: true, member: fields };
  }

  private mac(member: Member): string {
    // A JSON array: no field can run into the next, whatever characters it holds.
    const fields = [PURPOSE, member.id, member.url, member.startedAt, member.instance];
    return createHmac('sha256', this.secret).update(JSON.stringify(fields)).digest('hex');
  }
}

function canonical({ id, url, startedAt, instance }: Member): Member {
  return { id, url, startedAt, instance };
}

/** The record's fields if each has the type a member's has, with a well-formed signature. */
function parse(record: string): (Member & { signature: string }) | undefined {
  const value = parseJson(record);
  if (typeof value !== 'object' || value === null) return undefined;
  const { id, url, startedAt, instance, signature } = value as Record<string, unknown>;
  if (typeof id !== 'string' || typeof url !== 'string' || typeof instance !== 'string') return undefined;
  if (typeof startedAt !== 'number' || typeof signature !== 'string') return undefined;
  if (!SIGNATURE_PATTERN.test(signature)) return undefined;
  return { id: asNodeId(id), url, startedAt, instance, signature };
}

function claimedId(record: string): string | undefined {
  const value = parseJson(record) as { id?: unknown } | undefined;
  return typeof value?.id === 'string' ? value.id : undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
