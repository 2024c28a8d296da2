import type { ChatMessageEvent } from '@app/chat-protocol';
import { describe, expect, it } from 'vitest';
import { applyChange, isChange } from './message-changes.js';

function entry(seq: number, extra: Partial<ChatMessageEvent> = {}): ChatMessageEvent {
  return {
    id: `5-${seq}`,
    room: 'r',
    user: 'a',
    userId: 'g_a',
    guest: true,
    message: `m${seq}`,
    ts: 5,
    node: 'n',
    ...extra,
  };
}

describe('applyChange', () => {
  it('edits, then deletes, each change once and never backwards', () => {
    const messages = [entry(1), entry(2), entry(3)];
    const edit = entry(4, { kind: 'edit', target: '5-2', message: 'new' });
    const remove = entry(5, { kind: 'delete', target: '5-2', message: '' });
    expect(isChange(edit)).toBe(true);
    expect(applyChange(messages, edit)).toMatchObject({ id: '5-2', message: 'new', edited: '5-4' });
    expect(applyChange(messages, edit)).toBeUndefined();
    expect(applyChange(messages, remove)).toMatchObject({ message: '', deleted: true, edited: '5-5' });
    // A late copy of the older edit (e.g. from a replay) does not bring the text back.
    expect(applyChange(messages, edit)).toBeUndefined();
    expect(messages[1].message).toBe('');
  });

  it('ignores a change whose message is not loaded', () => {
    expect(applyChange([entry(1)], entry(4, { kind: 'edit', target: '4-0' }))).toBeUndefined();
  });
});
