import { describe, expect, it } from 'vitest';
import { admissionRefusal } from './room-admission.js';

describe('admissionRefusal', () => {
  it('lets a connection fill its rooms up to the cap, and no further', () => {
    const joined = new Set(['a', 'b']);
    expect(admissionRefusal(joined, ['c'], 3)).toBeUndefined();
    expect(admissionRefusal(joined, ['c', 'd'], 3)).toEqual({
      error: 'at most 3 rooms per connection: leave one first',
      code: 'too_many_rooms',
    });
    expect(admissionRefusal(new Set(), [], 0)).toBeUndefined();
  });
});
