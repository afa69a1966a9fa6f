const { greeting } = require('./greet');

test('helpers of a script are plain functions', (t) => {
  t.equal(greeting('bob'), 'hello bob');
});

describe('greet', () => {
  test('kv is per test and visible to the script', async (t) => {
    await t.kv.set('visits:1001', '41');
    const r = await t.call('greet').pressOn('play_and_get_digits', '1').run();
    t.equal(r.vars.visits, '42');
    t.equal(await t.kv.get('visits:1001'), '42');
    t.match(r.logs, /pressed success 1/);
    t.deepEqual(r.apps, ['answer', 'set', 'playback', 'play_and_get_digits', 'sleep', 'playback', 'hangup']);
    t.ok(r.duration >= 5, 'welcome 1s + sleep 3s + bye 1s');
  });

  test('a fresh kv store in every test', async (t) => {
    const r = await t.call('greet', { callerIdNumber: '1001' }).run();
    t.equal(r.vars.visits, '1');
  });

  test('http answers come from t.http', async (t) => {
    t.http.on('GET', 'https://crm.example.com/lookup*', { json: { name: 'Ada' } });
    const r = await t.call('greet', { vars: { want_lookup: 'yes' } }).run();
    t.equal(r.vars.crm_name, 'Ada');
    t.equal(r.http.length, 1);
    t.equal(r.http[0].url, 'https://crm.example.com/lookup?n=1001');
  });

  test('digits at a moment, bridge outcome', async (t) => {
    const r = await t.call('greet').dtmfAt(1.5, '9#').failBridge('USER_BUSY').run();
    t.includes(r.verbs, ['bridge', '{originate_timeout=20}user/2000']);
    t.equal(r.vars.bridge_status, 'failed:USER_BUSY');
  });

  test('caller hangs up at 2s, during the menu', async (t) => {
    const r = await t.call('greet').hangupAt(2).run();
    t.equal(r.hangupCause, 'NORMAL_CLEARING');
    t.equal(r.outcome, 'hangup');
    t.equal(r.duration, 2);
  });

  test('media durations are virtual', async (t) => {
    const r = await t.call('greet', { media: { 'user/bye.wav': 600 } }).run();
    t.ok(r.duration >= 600);
  });
});

test.skip('skipped tests are reported', () => {});
test.todo('todo tests are reported');
