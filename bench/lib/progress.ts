/** Progress goes to stderr, so stdout carries only the result table. */
export function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
