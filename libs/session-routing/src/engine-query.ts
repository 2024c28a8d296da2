/**
 * The query of a request URL, as engine.io reads it (`Object.fromEntries` of
 * its URLSearchParams: decoded, the last of a repeated name wins), without
 * building a URL: this runs for every poll and push. Handed to engine.io (see
 * `shareQueryWithEngine`), so the router and engine.io read one sid, once.
 */
export function parseEngineQuery(url: string): Record<string, string> {
  const query: Record<string, string> = Object.create(null) as Record<string, string>;
  const start = url.indexOf('?');
  if (start < 0) return query;
  const fragment = url.indexOf('#', start);
  const search = url.slice(start + 1, fragment < 0 ? undefined : fragment);
  for (const pair of search.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    query[decode(eq < 0 ? pair : pair.slice(0, eq))] = eq < 0 ? '' : decode(pair.slice(eq + 1));
  }
  return query;
}

/** Form decoding, URLSearchParams' own (lenient with a malformed `%`), for the rare encoded part. */
function decode(part: string): string {
  if (!part.includes('%') && !part.includes('+')) return part;
  return new URLSearchParams(`v=${part}`).get('v') ?? '';
}
