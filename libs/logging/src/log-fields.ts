/**
 * Facts a log line is about, kept apart from its text so that a JSON line can be
 * filtered by them (`sid`, `user`, `room`, …) without parsing the message. A text
 * line shows the message only: it names the same facts in words, so its format
 * (and every grep written against it) stays as it was. Values are short scalars;
 * an undefined value is left out.
 */
export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

/** The fields without their undefined values, for a JSON line. */
export function definedFields(fields: LogFields | undefined): Record<string, string | number | boolean> {
  const defined: Record<string, string | number | boolean> = {};
  for (const [name, value] of Object.entries(fields ?? {})) if (value !== undefined) defined[name] = value;
  return defined;
}
