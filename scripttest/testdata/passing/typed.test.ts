interface Expect { apps: string[] }
const want: Expect = { apps: ['answer', 'set', 'playback'] };

test('TypeScript test files work', async (t) => {
  const r = await t.call('greet').hangupOn('playback', 0.5).run();
  t.deepEqual(r.apps, want.apps);
});
