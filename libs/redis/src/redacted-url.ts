// scheme://user:password@ — the password is whatever lies between the user's colon and the
// last @ before the path, so even a URL too broken to parse gives nothing away.
const CREDENTIALS = /^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^/]*@/i;

/** The URL with any password blanked, fit for a log line; text without one is returned as is. */
export function redactedUrl(url: string): string {
  return url.replace(CREDENTIALS, '$1***@');
}
