/** TeXML documents we answer with. */
const esc = (s: string) =>
  s.replace(/[<>&"']/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[ch]!);

/**
 * The answer: a dual-channel recording, then either the live receptionist (the caller's audio
 * streamed both ways to our voice endpoint, which greets; when the stream ends TeXML asks
 * `afterUrl` what next: hang up, or voicemail if the stream dropped) or, without it, the greeting
 * and silence while the recording runs.
 */
export function answerTexml(o: {
  greeting: string;
  recordingCallbackUrl: string;
  stream?: { url: string; afterUrl: string };
}): string {
  const record = `<Start><Recording channels="dual" format="mp3" recordingStatusCallback="${esc(o.recordingCallbackUrl)}" recordingStatusCallbackEvent="completed absent"/></Start>`;
  const body = o.stream
    ? `<Connect><Stream url="${esc(o.stream.url)}" track="inbound_track" codec="PCMU" bidirectionalMode="rtp" bidirectionalCodec="PCMU"/></Connect>
  <Redirect method="POST">${esc(o.stream.afterUrl)}</Redirect>`
    : `<Say voice="alice">${esc(o.greeting)}</Say>
  <Pause length="3600"/>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<Response>
  ${record}
  ${body}
</Response>`;
}

/** The end of a finished conversation. */
export function hangupTexml(): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<Response>
  <Hangup/>
</Response>`;
}

/** The fallback: an apology and a voicemail recording; needs neither the database nor Temporal. */
export function fallbackTexml(recordingCallbackUrl: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<Response>
  <Say voice="alice">Sorry, we cannot take your call right now. Please leave a message after the tone.</Say>
  <Record maxLength="300" playBeep="true" channels="single" recordingStatusCallback="${esc(recordingCallbackUrl)}"/>
  <Hangup/>
</Response>`;
}
