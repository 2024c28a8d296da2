import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameDecoder, FrameType, MAX_FRAME_PAYLOAD, parseHead } from './relay-frames.js';

describe('relay frames', () => {
  it('decodes what was encoded, whatever the chunking', () => {
    const bytes = Buffer.concat([
      encodeFrame(FrameType.Head, 7, '{"method":"GET"}'),
      encodeFrame(FrameType.Data, 7, Buffer.from('héllo')),
      encodeFrame(FrameType.End, 7),
      encodeFrame(FrameType.GoAway, 0),
    ]);
    for (const size of [1, 5, 9, 13, bytes.length]) {
      const decoder = new FrameDecoder();
      const frames = [];
      for (let i = 0; i < bytes.length; i += size) frames.push(...decoder.push(bytes.subarray(i, i + size)));
      expect(frames.map((f) => [f.type, f.stream, f.payload.toString()])).toEqual([
        [FrameType.Head, 7, '{"method":"GET"}'],
        [FrameType.Data, 7, 'héllo'],
        [FrameType.End, 7, ''],
        [FrameType.GoAway, 0, ''],
      ]);
    }
  });

  it('refuses an unknown frame type and an oversize length', () => {
    const unknown = encodeFrame(FrameType.End, 1);
    unknown.writeUInt8(99, 0);
    expect(() => new FrameDecoder().push(unknown)).toThrow(/malformed/);
    const huge = encodeFrame(FrameType.Data, 1);
    huge.writeUInt32BE(MAX_FRAME_PAYLOAD + 1, 5);
    expect(() => new FrameDecoder().push(huge)).toThrow(/malformed/);
  });

  it('reads a HEAD frame as JSON, and anything else as nothing', () => {
    expect(parseHead(Buffer.from('{"status":200,"headers":{}}'))).toEqual({ status: 200, headers: {} });
    expect(parseHead(Buffer.from('{"status":'))).toBeUndefined();
  });
});
