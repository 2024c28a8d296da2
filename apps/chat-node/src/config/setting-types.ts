/**
 * What a value falls back to when its variable is unset or blank: nothing (the
 * variable is required), a fixed value, or a value derived from variables read
 * before it (`raw` gets what was read so far; undefined when a variable it needs
 * was bad, which is reported already).
 */
export type Fallback<T> =
  | { readonly kind: 'required' }
  /** `text`: how the docs show the value when `String(value)` would not say it. */
  | { readonly kind: 'value'; readonly value: T; readonly text?: string }
  | {
      readonly kind: 'derived';
      readonly text: string;
      readonly raw: (readSoFar: Readonly<Record<string, unknown>>) => string | undefined;
    };

/** One environment variable: everything the loader, `--help` and the README know of it. */
export interface Setting<T> {
  /** The variable's name, e.g. `PORT`. */
  readonly env: string;
  /** What it does, in a few words. */
  readonly help: string;
  /** What it accepts, worded to follow "must be" in an error and to stand alone in the docs. */
  readonly accepts: string;
  readonly fallback: Fallback<T>;
  /** Never logged or shown. */
  readonly secret: boolean;
  /** The value of a trimmed, non-empty string; undefined when it is not accepted. */
  parse(raw: string): T | undefined;
}

/** The settings of a table, as the typed values they parse to. */
export type ValuesOf<Table> = {
  -readonly [Key in keyof Table]: Table[Key] extends Setting<infer T> ? T : never;
};
