/**
 * Telephone audio: G.711 µ-law at 8 kHz (what Telnyx streams and records), 16-bit PCM WAV (what
 * Flite writes) and band-limited resampling. Shared by the voice loop, the synthetic calls and
 * the benchmarks.
 */
export const TELEPHONE_RATE = 8000;
/** One 20 ms frame of µ-law at 8 kHz, in bytes (the size Telnyx streams and accepts). */
export const FRAME_BYTES = 160;

/** G.711 µ-law encoding of one linear 16-bit sample. */
export function muLaw(sample: number): number {
  const BIAS = 0x84;
  let s = Math.max(-32635, Math.min(32635, Math.round(sample)));
  const sign = s < 0 ? 0x80 : 0;
  if (s < 0) s = -s;
  s += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

const MU_LAW_TABLE = (() => {
  const t = new Int16Array(256);
  for (let i = 0; i < 256; i++) {
    const u = ~i & 0xff;
    const sign = u & 0x80;
    const exponent = (u >> 4) & 0x07;
    const mantissa = u & 0x0f;
    const magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84;
    t[i] = sign ? -magnitude : magnitude;
  }
  return t;
})();

/** Linear 16-bit sample of one µ-law byte. */
export const muLawDecode = (byte: number): number => MU_LAW_TABLE[byte & 0xff]!;

/** µ-law bytes of linear samples. */
export function encodeMuLaw(samples: ArrayLike<number>): Buffer {
  const out = Buffer.alloc(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = muLaw(samples[i]!);
  return out;
}

/** Samples and rate of a 16-bit PCM mono WAV. */
export function readPcmWav(buf: Buffer): { samples: Int16Array; rate: number } {
  let offset = 12;
  let rate = 0;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    if (id === 'fmt ') rate = buf.readUInt32LE(offset + 12);
    if (id === 'data') {
      const end = Math.min(buf.length, offset + 8 + size);
      const samples = new Int16Array((end - offset - 8) >> 1);
      for (let i = 0; i < samples.length; i++) samples[i] = buf.readInt16LE(offset + 8 + i * 2);
      return { samples, rate };
    }
    offset += 8 + size + (size & 1);
  }
  throw new Error('not a PCM WAV file');
}

/** Band-limited resampling (windowed sinc, cut-off just under the lower Nyquist rate). */
export function resample(input: ArrayLike<number>, from: number, to: number): Float32Array {
  if (from === to) return Float32Array.from(input);
  const out = new Float32Array(Math.floor((input.length * to) / from));
  const cutoff = (0.95 * Math.min(from, to)) / 2 / from; // in cycles per input sample
  const half = 24;
  for (let n = 0; n < out.length; n++) {
    const centre = (n * from) / to;
    const first = Math.ceil(centre - half);
    let acc = 0;
    for (let k = first; k <= centre + half; k++) {
      if (k < 0 || k >= input.length) continue;
      const x = k - centre;
      const sinc = x === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * x) / (Math.PI * x);
      const window = 0.5 + 0.5 * Math.cos((Math.PI * x) / (half + 1));
      acc += input[k]! * sinc * window;
    }
    out[n] = acc;
  }
  return out;
}

/** A µ-law WAV (format 7) of one or two channels of equal length, interleaved. */
export function muLawWav(channels: Float32Array[], rate = TELEPHONE_RATE): Buffer {
  const frames = Math.max(...channels.map((c) => c.length));
  const n = channels.length;
  const data = Buffer.alloc(frames * n);
  for (let i = 0; i < frames; i++) for (let c = 0; c < n; c++) data[i * n + c] = muLaw(channels[c]![i] ?? 0);
  return muLawWavOf(data, n, rate);
}

/** The WAV container around µ-law bytes already encoded (interleaved when `channels` is 2). */
export function muLawWavOf(data: Buffer, channels = 1, rate = TELEPHONE_RATE): Buffer {
  const header = Buffer.alloc(46);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(38 + data.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(18, 16);
  header.writeUInt16LE(7, 20); // WAVE_FORMAT_MULAW
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * channels, 28);
  header.writeUInt16LE(channels, 32);
  header.writeUInt16LE(8, 34);
  header.writeUInt16LE(0, 36);
  header.write('data', 38, 'ascii');
  header.writeUInt32LE(data.length, 42);
  return Buffer.concat([header, data]);
}
