/// <reference path="../callforge-test.d.ts" />
// Tests of business-hours.ts: its isOpen helper directly, and calls on both
// paths, each placed at a chosen moment (.at(...): what the script's Date sees).
import { isOpen } from './business-hours';

test('isOpen follows New York time, daylight saving included', (t) => {
  t.equal(isOpen(new Date('2024-07-03T13:30:00Z')), true, 'Wednesday 9:30 EDT');
  t.equal(isOpen(new Date('2024-07-03T12:30:00Z')), false, 'Wednesday 8:30 EDT');
  t.equal(isOpen(new Date('2024-01-10T21:59:00Z')), true, 'Wednesday 16:59 EST');
  t.equal(isOpen(new Date('2024-01-10T22:00:00Z')), false, 'Wednesday 17:00 EST');
  t.equal(isOpen(new Date('2024-07-06T15:00:00Z')), false, 'Saturday');
});

test('a weekday morning in New York: the caller is put through', async (t) => {
  const r = await t.call('business-hours').at('2024-07-03T13:30:00Z').run(); // Wednesday 9:30 EDT
  t.equal(r.vars.hours_open, 'yes');
  t.equal(r.verbs[0][0], 'answer');
  t.includes(r.apps, 'bridge');
  t.ok(!r.apps.includes('record'), 'no voicemail');
  t.deepEqual(r.errors, []);
});

test('a Saturday: the closed message, then voicemail', async (t) => {
  const r = await t.call('business-hours').at('2024-07-06T15:00:00Z').pressOn('record', '#').run();
  t.equal(r.vars.hours_open, 'no');
  t.includes(r.verbs, ['playback', 'user/closed.wav']);
  t.includes(r.apps, 'record');
  t.ok(!r.apps.includes('bridge'), 'not put through');
});

test('open, but the bridge fails: voicemail', async (t) => {
  const r = await t
    .call('business-hours', { at: new Date('2024-01-10T21:59:00Z') }) // Wednesday 16:59 EST
    .failBridge('NO_ANSWER')
    .pressOn('record', '#')
    .run();
  t.equal(r.vars.hours_open, 'yes');
  t.includes(r.apps, 'record');
  t.match(r.logs, /message left/);
});
