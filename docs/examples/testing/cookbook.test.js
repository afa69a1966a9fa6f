/// <reference path="../../../callforge-test.d.ts" />
// @ts-check
// Tests of three cookbook scripts: `callforge test docs/examples` runs them.

test('menu: 2 rings support at 2002', async (t) => {
  const r = await t.call('cookbook/ivr-menu').pressOn('play_and_get_digits', '2').run();
  t.equal(r.vars.menu_target, '2002');
  t.includes(r.verbs, ['bridge', '{originate_timeout=30}user/2002']);
  t.deepEqual(r.errors, []);
});

test('PIN: the right one, from kv', async (t) => {
  await t.kv.set('pin:1001', '1234');
  const r = await t.call('cookbook/pin-check').pressOn('play_and_get_digits', '1234#').run();
  t.equal(r.vars.pin_result, 'ok');
  t.deepEqual(r.verbs.slice(-2), [['playback', 'user/pin-accepted.wav'], ['transfer', 'voicemail-menu XML public']]);
  t.equal(await t.kv.get('pin-failures:1001'), undefined);
});

test('voicemail: a 12 s message is mailed', async (t) => {
  t.http.on('POST', 'https://mail.example.com/v1/voicemail', { status: 202 });
  const r = await t.call('cookbook/voicemail-email', { destination: '2000' })
    .dtmfAt(14, '#') // 2 s of prompts, then 12 s of message
    .run();
  t.equal(r.http.length, 1);
  t.equal(JSON.parse(r.http[0].body).seconds, 12);
  t.equal(r.http[0].headers['x-mailbox'], '2000');
  t.deepEqual(r.errors, []);
});
