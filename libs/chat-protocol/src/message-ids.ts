/** Orders two message ids (Redis Stream ids, `<ms>-<seq>`): negative, zero or positive. */
export function compareMessageIds(a: string, b: string): number {
  const [ams, aseq] = a.split('-').map(Number);
  const [bms, bseq] = b.split('-').map(Number);
  return ams - bms || aseq - bseq;
}
