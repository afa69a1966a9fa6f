/// <reference path="../callforge-test.d.ts" />
// @ts-check
// Tests of pin-check.js: PINs and failure counters live in kv, preset per test.

test('right PIN first time', async (t) => {
  await t.kv.set('pin:1001', '1234');
  const r = await t.call('pin-check').pressOn('play_and_get_digits', '1234#').run();
  t.equal(r.vars.pin_result, 'ok');
  t.deepEqual(r.verbs.slice(-2), [['playback', 'user/pin-accepted.wav'], ['hangup', 'NORMAL_CLEARING']]);
  t.equal(await t.kv.get('pin-failures:1001'), undefined);
});

test('the account comes from the channel variable', async (t) => {
  await t.kv.set('pin:acme', '9876');
  const r = await t.call('pin-check', { vars: { account: 'acme' } })
    .pressOn('play_and_get_digits', '9876#')
    .run();
  t.equal(r.vars.pin_result, 'ok');
});

test('unknown account', async (t) => {
  const r = await t.call('pin-check', { callerIdNumber: '5550000' }).run();
  t.deepEqual(r.verbs, [['answer'], ['playback', 'user/no-account.wav'], ['hangup', 'NORMAL_CLEARING']]);
});

test('three wrong PINs lock the caller out', async (t) => {
  await t.kv.set('pin:1001', '1234');
  const call = t.call('pin-check');
  for (let i = 0; i < 3; i++) call.pressOn('play_and_get_digits', '0000#');
  const r = await call.run();
  t.equal(r.vars.pin_result, 'locked');
  t.equal(r.hangupCause, 'CALL_REJECTED');
  t.equal(r.logs.filter((l) => /wrong PIN/.test(l)).length, 3);
  t.equal(await t.kv.get('pin-failures:1001'), '3');
});

test('an earlier lock-out still holds', async (t) => {
  await t.kv.set('pin:1001', '1234');
  await t.kv.set('pin-failures:1001', '3', 3600);
  const r = await t.call('pin-check').run();
  t.deepEqual(r.apps, ['answer', 'set', 'playback', 'hangup']);
  t.equal(r.hangupCause, 'CALL_REJECTED');
});
