test('the call happens at .at(); the script\'s timers run on the call\'s clock', async (t) => {
  const r = await t.call('clock').at('2024-07-06T15:00:00Z').run();
  t.equal(r.vars.called_at, '2024-07-06T15:00:00.000Z');
  t.ok(r.duration >= 90, 'setTimeout of 90 s, in call time');
  const o = await t.call('clock', { at: Date.UTC(2030, 0, 1) }).run();
  t.equal(o.vars.called_at, '2030-01-01T00:00:00.000Z');
});

test('at() refuses what is not a time', (t) => {
  let err;
  try {
    t.call('clock').at('soon');
  } catch (e) {
    err = e;
  }
  t.ok(err instanceof TypeError, 'a TypeError');
  t.match(String(err), /at: a Date, an ISO 8601 string or milliseconds/);
});
