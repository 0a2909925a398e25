/** Call Control payloads of the owner's leg (ring the owner first) become owner-leg events. */
import { describe, expect, it } from 'vitest';
import { OWNER_LEG_CLIENT_STATE } from '../../../contract/index.js';
import { parseCallControl } from './normalize.js';

const envelope = (event_type: string, payload: Record<string, unknown>) => ({
  data: { record_type: 'event', event_type, id: `ev-${event_type}`, occurred_at: '2026-12-04T12:00:00Z', payload },
  meta: { attempt: 1 },
});
const ownerLeg = {
  call_control_id: 'v3:owner',
  call_leg_id: 'leg-owner',
  call_session_id: 'session-1',
  client_state: OWNER_LEG_CLIENT_STATE,
  direction: 'outgoing',
  from: '+13125550142',
  to: '+13125550111',
};

describe("the owner's leg in webhooks", () => {
  it('tags every event of the leg dialled with our client state, and reads premium and standard detection', () => {
    const premium = parseCallControl(
      envelope('call.machine.premium.detection.ended', { ...ownerLeg, result: 'machine' }),
      'US',
    );
    expect(premium.event).toMatchObject({
      type: 'call.machine.detection.ended',
      leg: 'owner',
      machineResult: 'machine',
    });
    const standard = parseCallControl(envelope('call.machine.detection.ended', { ...ownerLeg, result: 'human' }), 'US');
    expect(standard.event).toMatchObject({
      type: 'call.machine.detection.ended',
      leg: 'owner',
      machineResult: 'human',
    });
    const hangup = parseCallControl(envelope('call.hangup', { ...ownerLeg, hangup_cause: 'user_busy' }), 'US');
    expect(hangup.event).toMatchObject({ type: 'call.hangup', leg: 'owner', hangupCause: 'user_busy' });
    const bridged = parseCallControl(envelope('call.bridged', ownerLeg), 'US');
    expect(bridged.event).toMatchObject({ type: 'call.bridged', leg: 'owner' });
  });

  it("leaves the caller's leg (no client state, or someone else's) untagged", () => {
    for (const client_state of [null, undefined, Buffer.from('something else').toString('base64')]) {
      const e = parseCallControl(
        envelope('call.answered', { ...ownerLeg, client_state, direction: 'incoming', call_control_id: 'v3:caller' }),
        'US',
      ).event;
      expect(e?.leg).toBeUndefined();
      expect(e?.type).toBe('call.answered');
    }
  });

  it('still ignores the events it does not act on', () => {
    expect(parseCallControl(envelope('call.speak.ended', ownerLeg), 'US')).toEqual({
      event: null,
      eventType: 'call.speak.ended',
    });
  });
});
