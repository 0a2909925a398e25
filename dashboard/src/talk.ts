/**
 * The browser as a phone on Telnyx's media stream: the microphone at 8 kHz, G.711 µ-law in 20 ms
 * `media` frames (the frames Telnyx sends), and the receptionist's frames played as they arrive
 * (`clear` stops what is queued: the caller spoke over it).
 */
const RATE = 8000;
const FRAME = 160;

function muLaw(sample: number): number {
  let s = Math.max(-32635, Math.min(32635, Math.round(sample * 32767)));
  const sign = s < 0 ? 0x80 : 0;
  if (s < 0) s = -s;
  s += 0x84;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  return ~(sign | (exponent << 4) | ((s >> (exponent + 3)) & 0x0f)) & 0xff;
}

function linear(byte: number): number {
  const u = ~byte & 0xff;
  const magnitude = ((((u & 0x0f) << 3) + 0x84) << ((u >> 4) & 0x07)) - 0x84;
  return (u & 0x80 ? -magnitude : magnitude) / 32768;
}

const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const fromBase64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

export interface BrowserCall {
  hangUp(): void;
  /** Resolves when the stream closes (the receptionist hung up, or the call was ended). */
  ended: Promise<void>;
}

export async function startBrowserCall(
  o: { streamPath: string; callSessionId: string },
  onSpeaking: (speaking: boolean) => void,
): Promise<BrowserCall> {
  const mic = await navigator.mediaDevices.getUserMedia({
    audio: { echoCancellation: true, noiseSuppression: true, channelCount: 1 },
  });
  // The context runs at the device's rate (Chromium cannot connect a microphone to an 8 kHz one).
  const ctx = new AudioContext();
  const ratio = ctx.sampleRate / RATE;
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${o.streamPath}`);
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error('the receptionist did not answer the stream'));
  });
  let seq = 0;
  const send = (m: object) =>
    ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify({ ...m, sequence_number: String(++seq) }));
  send({ event: 'connected', version: '1.0.0' });
  send({
    event: 'start',
    start: { call_control_id: o.callSessionId, media_format: { encoding: 'PCMU', sample_rate: RATE, channels: 1 } },
  });

  // Microphone → 20 ms µ-law frames.
  const source = ctx.createMediaStreamSource(mic);
  const tap = ctx.createScriptProcessor(1024, 1, 1);
  let pending: number[] = [];
  let chunk = 0;
  // Down to 8 kHz: each output sample is the mean of the input samples it spans (a crude low-pass).
  let acc = 0;
  let taken = 0;
  let phase = 0;
  tap.onaudioprocess = (e) => {
    const input = e.inputBuffer.getChannelData(0);
    for (let i = 0; i < input.length; i++) {
      acc += input[i]!;
      taken++;
      phase += 1;
      if (phase >= ratio) {
        phase -= ratio;
        pending.push(muLaw(acc / taken));
        acc = 0;
        taken = 0;
      }
    }
    while (pending.length >= FRAME) {
      const frame = Uint8Array.from(pending.slice(0, FRAME));
      pending = pending.slice(FRAME);
      send({ event: 'media', media: { track: 'inbound', chunk: String(++chunk), payload: toBase64(frame) } });
    }
  };
  const mute = ctx.createGain();
  mute.gain.value = 0;
  source.connect(tap).connect(mute).connect(ctx.destination);

  // The receptionist's frames → the speakers, back to back.
  let playAt = 0;
  let playing: AudioBufferSourceNode[] = [];
  ws.onmessage = (e) => {
    const m = JSON.parse(String(e.data)) as { event: string; media?: { payload: string }; mark?: { name: string } };
    if (m.event === 'media' && m.media) {
      const bytes = fromBase64(m.media.payload);
      const buffer = ctx.createBuffer(1, bytes.length, RATE);
      const data = buffer.getChannelData(0);
      for (let i = 0; i < bytes.length; i++) data[i] = linear(bytes[i]!);
      const node = ctx.createBufferSource();
      node.buffer = buffer;
      node.connect(ctx.destination);
      playAt = Math.max(playAt, ctx.currentTime + 0.05);
      node.start(playAt);
      playAt += buffer.duration;
      playing.push(node);
      node.onended = () => {
        playing = playing.filter((n) => n !== node);
        if (playing.length === 0) onSpeaking(false);
      };
      onSpeaking(true);
    } else if (m.event === 'clear') {
      for (const n of playing) n.stop();
      playing = [];
      playAt = 0;
      onSpeaking(false);
    } else if (m.event === 'mark' && m.mark) {
      // As Telnyx does: the mark comes back once the audio before it has played.
      const name = m.mark.name;
      setTimeout(() => send({ event: 'mark', mark: { name } }), Math.max(0, (playAt - ctx.currentTime) * 1000));
    }
  };
  const ended = new Promise<void>((resolve) => {
    ws.onclose = () => {
      tap.disconnect();
      source.disconnect();
      for (const t of mic.getTracks()) t.stop();
      void ctx.close();
      resolve();
    };
  });
  return {
    ended,
    hangUp() {
      send({ event: 'stop', stop: { call_control_id: o.callSessionId } });
      ws.close(1000, 'caller hung up');
    },
  };
}
