/// <reference path="../callforge-test.d.ts" />
// @ts-check
// Tests of ivr-menu.js: `callforge test examples` runs them.

test('caller presses 2: support', async (t) => {
  const call = t.call('ivr-menu', { callerIdNumber: '+15551230001' });
  call.pressOn('play_and_get_digits', '2');
  const r = await call.run();
  t.deepEqual(r.apps, ['answer', 'play_and_get_digits', 'set', 'transfer']);
  t.deepEqual(r.verbs[2], ['set', 'menu_choice=support']);
  t.deepEqual(r.verbs[3], ['transfer', 'support XML public']);
  t.equal(r.vars.menu_choice, 'support');
  t.match(r.logs, /menu choice .*"choice":"support"/);
  t.deepEqual(r.errors, []);
});

test('invalid choice, then 1 on the second try', async (t) => {
  const r = await t.call('ivr-menu')
    .pressOn('play_and_get_digits', '7')
    .pressOn('play_and_get_digits', '1')
    .run();
  t.deepEqual(r.apps, ['answer', 'play_and_get_digits', 'playback', 'play_and_get_digits', 'set', 'transfer']);
  t.deepEqual(r.verbs[2], ['playback', 'user/invalid-option.wav']);
  t.equal(r.vars.menu_choice, 'sales');
});

test('no input three times: goodbye', async (t) => {
  const r = await t.call('ivr-menu').run();
  t.deepEqual(r.verbs.slice(-3), [
    ['set', 'menu_choice=none'],
    ['playback', 'user/goodbye.wav'],
    ['hangup', 'NORMAL_CLEARING'],
  ]);
  t.equal(r.hangupCause, 'NORMAL_CLEARING');
  // three 5 s waits for digits and three 1 s prompts: 18 s of call, no wall time
  t.ok(r.duration >= 18, `duration ${r.duration}`);
});

test('caller hangs up during the menu', async (t) => {
  const r = await t.call('ivr-menu').hangupOn('play_and_get_digits', 2).run();
  t.equal(r.hangupCause, 'NORMAL_CLEARING');
  t.equal(r.outcome, 'hangup');
  t.deepEqual(r.apps, ['answer', 'play_and_get_digits']);
});
