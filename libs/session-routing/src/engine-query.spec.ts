import { describe, expect, it } from 'vitest';
import { parseEngineQuery } from './engine-query.js';

/** What engine.io itself makes of a URL. */
const engineReading = (url: string): Record<string, string> =>
  Object.fromEntries(new URL(url, 'https://socket.io').searchParams.entries());

describe('parseEngineQuery', () => {
  it.each([
    '/socket.io/?EIO=4&transport=polling&sid=node1.abcDEF-_0123456789xy',
    '/socket.io/?EIO=4&transport=polling&t=PQx1&sid=a&sid=b',
    '/socket.io/?EIO=4&transport=websocket',
    '/socket.io/',
    '/socket.io/?',
    '/socket.io/?&&EIO=4&&',
    '/socket.io/?j=0&b64=1&flag',
    '/socket.io/?sid=a%2Fb&x=1+2&y=%zz&%41=%',
    '/socket.io/?sid=a=b=c',
    '/socket.io/?sid=x#sid=y',
    '/socket.io/?__proto__=polluted&constructor=c',
  ])('reads %s as engine.io does', (url) => {
    expect({ ...parseEngineQuery(url) }).toEqual(engineReading(url));
  });

  it('leaves the prototype of its answer alone', () => {
    const query = parseEngineQuery('/socket.io/?__proto__=x');
    expect(query.__proto__).toBe('x');
    expect(Object.getPrototypeOf(query)).toBeNull();
  });
});
