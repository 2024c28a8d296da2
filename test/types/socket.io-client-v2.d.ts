// The 2.x client ships no types; the tests use this much of it.
declare module 'socket.io-client-v2' {
  interface LegacySocket {
    on(event: string, listener: (...args: never[]) => void): this;
    once(event: string, listener: (...args: never[]) => void): this;
    emit(event: string, ...args: unknown[]): this;
    close(): void;
  }
  function io(url: string, options?: Record<string, unknown>): LegacySocket;
  export default io;
}
