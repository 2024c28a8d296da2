/** The most patterns a token may carry: a claim is checked on every join. */
export const MAX_ROOM_RULES = 100;

/**
 * The rooms a token allows, from its `rooms` claim: exact names, or `prefix*`
 * patterns (`team-*`; a lone `*` allows every room).
 */
export class RoomRules {
  private readonly exact: ReadonlySet<string>;
  private readonly prefixes: readonly string[];

  private constructor(patterns: readonly string[]) {
    this.exact = new Set(patterns.filter((pattern) => !pattern.endsWith('*')));
    this.prefixes = patterns.filter((pattern) => pattern.endsWith('*')).map((p) => p.slice(0, -1));
  }

  /** The rules of a claim, `undefined` for no claim; throws on a malformed one. */
  static fromClaim(claim: unknown): RoomRules | undefined {
    if (claim === undefined) return undefined;
    if (!Array.isArray(claim) || claim.length > MAX_ROOM_RULES) {
      throw new TypeError(
        `the rooms claim must be a list of at most ${MAX_ROOM_RULES} room names or prefix* patterns`,
      );
    }
    const patterns = claim.map((pattern: unknown) => {
      if (typeof pattern !== 'string' || pattern.length === 0 || !starOnlyAtEnd(pattern)) {
        throw new TypeError(
          `the rooms claim holds ${JSON.stringify(pattern)}: expected a room name or prefix*`,
        );
      }
      return pattern;
    });
    return new RoomRules(patterns);
  }

  allows(room: string): boolean {
    return this.exact.has(room) || this.prefixes.some((prefix) => room.startsWith(prefix));
  }

  /** The claim these rules came from, for logs and the client's own view. */
  toJSON(): string[] {
    return [...this.exact, ...this.prefixes.map((prefix) => `${prefix}*`)];
  }
}

function starOnlyAtEnd(pattern: string): boolean {
  const star = pattern.indexOf('*');
  return star === -1 || star === pattern.length - 1;
}
