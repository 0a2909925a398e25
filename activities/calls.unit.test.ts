/** Reconciliation reads Telnyx's detail records in the owner's region, as the webhooks are read. */
import { describe, expect, it } from 'vitest';
import { eventsFromDetailRecord } from './calls.js';

describe('detail records', () => {
  it('normalises numbers without a country code in PHONE_DEFAULT_REGION, not always as US', () => {
    const record = {
      callSessionId: 'cdr-gb',
      direction: 'inbound' as const,
      from: '07911 123456',
      to: '020 7946 0018',
      startedAt: '2026-12-01T10:00:00.000Z',
      endedAt: '2026-12-01T10:01:00.000Z',
      durationSeconds: 60,
    };
    const [initiated] = eventsFromDetailRecord(record, 'GB');
    expect(initiated).toMatchObject({ otherParty: '+447911123456', ourNumber: '+442079460018' });
    const [us] = eventsFromDetailRecord({ ...record, from: '(312) 555-0142', to: '312 555 0199' }, 'US');
    expect(us).toMatchObject({ otherParty: '+13125550142' });
  });
});
