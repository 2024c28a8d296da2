import { compareMessageIds, type ChatMessageEvent } from '@app/chat-protocol';

/** A stream entry that changes an earlier message (an edit or a delete), not a message. */
export function isChange(entry: ChatMessageEvent): boolean {
  return entry.kind !== undefined;
}

/**
 * Applies a change to its target among `messages` (in stream order), unless
 * the target already shows this change or a newer one: so a change seen twice,
 * or after a history answer that served the latest text, changes nothing.
 * Returns the changed message, or undefined.
 */
export function applyChange(
  messages: ChatMessageEvent[],
  change: ChatMessageEvent,
): ChatMessageEvent | undefined {
  const target = findMessage(messages, change.target);
  if (!target) return undefined;
  if (target.edited !== undefined && compareMessageIds(target.edited, change.id) >= 0) return undefined;
  target.edited = change.id;
  if (change.kind === 'delete') {
    target.deleted = true;
    target.message = '';
  } else if (!target.deleted) {
    target.message = change.message;
  }
  return target;
}

/** Binary search by id: messages are in stream order. */
function findMessage(messages: ChatMessageEvent[], id: string | undefined): ChatMessageEvent | undefined {
  if (id === undefined) return undefined;
  let low = 0;
  let high = messages.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const order = compareMessageIds(messages[middle].id, id);
    if (order === 0) return messages[middle];
    if (order < 0) low = middle + 1;
    else high = middle - 1;
  }
  return undefined;
}
