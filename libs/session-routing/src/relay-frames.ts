import type { Socket } from 'node:net';

/**
 * The wire format of the peer relay: polls and pushes a node forwards to their
 * owner travel as frames over one long-lived connection per pair of nodes,
 * many requests at once, each a numbered stream. A frame is
 *
 *   type (1 byte) · stream id (4 bytes) · payload length (4 bytes) · payload
 *
 * A stream is a HEAD (the request's, then the answer's: JSON), DATA frames
 * (body bytes, as they come) and an END; either side may CANCEL it. GOAWAY
 * (stream 0) says: no new streams on this connection, it closes when idle.
 */
export enum FrameType {
  Head = 1,
  Data = 2,
  End = 3,
  Cancel = 4,
  GoAway = 5,
}

/** The request head a relaying node sends. */
export interface RequestHead {
  method: string;
  url: string;
  headers: Record<string, string | string[]>;
  /** The client's address, as the relaying node saw it. */
  remoteAddress?: string;
  /** No body follows: the stream's request is complete with its head (a GET). */
  complete?: true;
}

/** The answer head the owner sends back. */
export interface ResponseHead {
  status: number;
  headers: Record<string, string | number | string[]>;
}

/** Where a relay connection is opened: an HTTP upgrade to this path and protocol. */
export const RELAY_PATH = '/_ringchat/relay';
export const RELAY_PROTOCOL = 'ringchat-relay/1';

const HEADER_BYTES = 9;
/** Far above any frame a node writes (engine.io bodies arrive in socket-sized chunks). */
export const MAX_FRAME_PAYLOAD = 16 * 1024 * 1024;

export function encodeFrame(type: FrameType, stream: number, payload?: Buffer | string): Buffer {
  const length =
    payload === undefined ? 0 : typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  const frame = Buffer.allocUnsafe(HEADER_BYTES + length);
  frame.writeUInt8(type, 0);
  frame.writeUInt32BE(stream, 1);
  frame.writeUInt32BE(length, 5);
  if (typeof payload === 'string') frame.write(payload, HEADER_BYTES);
  else if (payload) payload.copy(frame, HEADER_BYTES);
  return frame;
}

/** A HEAD frame's JSON, or undefined when it is not JSON (no node writes that). */
export function parseHead<T extends RequestHead | ResponseHead>(payload: Buffer): T | undefined {
  try {
    return JSON.parse(payload.toString()) as T;
  } catch {
    return undefined;
  }
}

export interface Frame {
  type: FrameType;
  stream: number;
  payload: Buffer;
}

/** Cuts a byte stream into frames; throws on a frame no node would write. */
export class FrameDecoder {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: Frame[] = [];
    let offset = 0;
    while (this.pending.length - offset >= HEADER_BYTES) {
      const type = this.pending.readUInt8(offset);
      const length = this.pending.readUInt32BE(offset + 5);
      if (!(type in FrameType) || length > MAX_FRAME_PAYLOAD) {
        throw new Error(`malformed relay frame (type ${type}, ${length} bytes)`);
      }
      if (this.pending.length - offset < HEADER_BYTES + length) break;
      const stream = this.pending.readUInt32BE(offset + 1);
      const start = offset + HEADER_BYTES;
      frames.push({ type, stream, payload: this.pending.subarray(start, start + length) });
      offset = start + length;
    }
    this.pending = this.pending.subarray(offset);
    return frames;
  }
}

/**
 * What to do with the bytes read from `socket`: each whole frame goes to
 * `onFrame`; a malformed stream (no node wrote it) closes the connection.
 */
export function frameReceiver(socket: Socket, onFrame: (frame: Frame) => void): (chunk: Buffer) => void {
  const decoder = new FrameDecoder();
  return (chunk) => {
    let frames: Frame[];
    try {
      frames = decoder.push(chunk);
    } catch {
      socket.destroy();
      return;
    }
    for (const frame of frames) onFrame(frame);
  };
}

/**
 * Writes frames to a socket, those of one turn of the event loop in one system
 * call: a poll's HEAD and END, the answers to every poll a broadcast woke, the
 * requests nginx handed over in one read, leave together (on the loop's check
 * phase, right after the I/O that produced them).
 */
export class FrameWriter {
  private corked = false;

  constructor(private readonly socket: Socket) {}

  /** False when the socket's buffer is full: pause what feeds it until 'drain'. */
  write(type: FrameType, stream: number, payload?: Buffer | string): boolean {
    if (this.socket.destroyed) return true;
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      setImmediate(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    return this.socket.write(encodeFrame(type, stream, payload));
  }
}
