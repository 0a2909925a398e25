import { describe, expect, it } from 'vitest';
import { answerTexml } from './texml.js';

describe('the TeXML answer', () => {
  const base = {
    greeting: 'Hello Ada, you have reached Marco. This call is recorded.',
    recordingCallbackUrl: 'https://cc.example/r',
  };
  it('hands the call to the receptionist: bidirectional PCMU, then asks what next', () => {
    const xml = answerTexml({
      ...base,
      stream: { url: 'wss://cc.example/api/voice/telnyx-stream/t&k', afterUrl: 'https://cc.example/a' },
    });
    expect(xml).toContain(
      '<Connect><Stream url="wss://cc.example/api/voice/telnyx-stream/t&amp;k" track="inbound_track" codec="PCMU" bidirectionalMode="rtp" bidirectionalCodec="PCMU"/></Connect>',
    );
    expect(xml).toContain('<Redirect method="POST">https://cc.example/a</Redirect>');
    expect(xml).not.toContain('<Say');
    expect(xml.indexOf('<Recording')).toBeLessThan(xml.indexOf('<Connect>'));
  });
  it('without the receptionist (RECEPTIONIST=off): greets and records', () => {
    const xml = answerTexml(base);
    expect(xml).toContain('<Say voice="alice">Hello Ada, you have reached Marco. This call is recorded.</Say>');
    expect(xml).not.toContain('<Stream');
  });
});
