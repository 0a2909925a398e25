/** TeXML documents we answer with. */
const esc = (s: string) =>
  s.replace(/[<>&"']/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[ch]!);

/** Greet (by name for known contacts), start a dual-channel recording, optionally stream to the voice service. */
export function answerTexml(o: {
  greeting: string;
  recordingCallbackUrl: string;
  streamUrl?: string;
  greetingAudioUrl?: string;
}): string {
  const greet = o.greetingAudioUrl
    ? `<Play>${esc(o.greetingAudioUrl)}</Play>`
    : `<Say voice="alice">${esc(o.greeting)}</Say>`;
  const stream = o.streamUrl ? `<Start><Stream url="${esc(o.streamUrl)}" track="both_tracks"/></Start>` : '';
  return `<?xml version="1.0" encoding="UTF-8"?>
<Response>
  <Start><Recording channels="dual" format="mp3" recordingStatusCallback="${esc(o.recordingCallbackUrl)}" recordingStatusCallbackEvent="completed absent"/></Start>
  ${greet}
  ${stream}
  <Pause length="3600"/>
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
