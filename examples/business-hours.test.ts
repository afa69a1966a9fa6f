/// <reference path="../callforge-test.d.ts" />
// Tests of business-hours.ts: its isOpen helper directly, and calls on both
// paths. The script reads the real clock, so the call tests accept either path
// and check that the one taken matches isOpen(now).
import { isOpen } from './business-hours';

test('isOpen follows New York time, daylight saving included', (t) => {
  t.equal(isOpen(new Date('2024-07-03T13:30:00Z')), true, 'Wednesday 9:30 EDT');
  t.equal(isOpen(new Date('2024-07-03T12:30:00Z')), false, 'Wednesday 8:30 EDT');
  t.equal(isOpen(new Date('2024-01-10T21:59:00Z')), true, 'Wednesday 16:59 EST');
  t.equal(isOpen(new Date('2024-01-10T22:00:00Z')), false, 'Wednesday 17:00 EST');
  t.equal(isOpen(new Date('2024-07-06T15:00:00Z')), false, 'Saturday');
});

test('a call takes the path of the hour', async (t) => {
  const open = isOpen(new Date());
  const r = await t.call('business-hours').pressOn('record', '#').run();
  t.equal(r.vars.hours_open, open ? 'yes' : 'no');
  t.equal(r.verbs[0][0], 'answer');
  t.deepEqual(r.errors, []);
  if (open) {
    t.includes(r.apps, 'bridge');
  } else {
    t.includes(r.verbs, ['playback', 'user/closed.wav']);
    t.includes(r.apps, 'record');
  }
});

test('the bridge fails: voicemail', async (t) => {
  const r = await t.call('business-hours').failBridge('NO_ANSWER').pressOn('record', '#').run();
  t.includes(r.apps, 'record');
  t.match(r.logs, /message left/);
});
