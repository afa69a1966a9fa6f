test('verbs differ', async (t) => {
  const r = await t.call('menu').pressOn('play_and_get_digits', '1').run();
  t.deepEqual(r.verbs, [
    ['answer'],
    ['playback', 'user/hello.wav'],
    ['play_and_get_digits', '1 1 3 3000 # user/menu.wav silence_stream://250 cf_ivr_1 \\d+ 3000'],
    ['set', 'choice=1'],
    ['hangup', 'NORMAL_CLEARING'],
  ]);
});

test('variable differs', async (t) => {
  const r = await t.call('menu').pressOn('play_and_get_digits', '2').run();
  t.equal(r.vars.choice, '1', 'choice after pressing 2');
});

test('script error on the 3 path', async (t) => {
  const r = await t.call('menu').pressOn('play_and_get_digits', '3').run();
  t.deepEqual(r.errors, []);
  t.equal(r.hangupCause, 'NORMAL_CLEARING');
});

test('log line missing', async (t) => {
  const r = await t.call('menu').run();
  t.match(r.logs, /menu shown/);
});

test('test throws', async () => {
  throw new Error('the test itself is wrong');
});

test('unknown script', async (t) => {
  const r = await t.call('no-such-script').run();
  t.equal(r.outcome, 'ok');
});

test('passes', async (t) => {
  const r = await t.call('menu').run();
  t.equal(r.vars.choice, 'none');
});

test('never settles', { timeout: 0.3 }, async () => {
  await new Promise(() => {});
});
