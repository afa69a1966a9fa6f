// set/export/multiset/uuid_setvar of variables that make FreeSWITCH run commands
// later: refused with EPERM. ctx.header can only write sip_h_ variables.
async function main(data, ctx) {
  await ctx.answer();
  const tries = [
    ['ctx.set', () => ctx.set('api_on_answer', 'system id')],
    ['ctx.set', () => ctx.set('execute_on_answer', 'lua x')],
    ['ctx.set', () => ctx.set('api_hangup_hook', 'system id')],
    ['ctx.set', () => ctx.set('exec_after_bridge_app', 'system')],
    ['ctx.set', () => ctx.set('session_in_hangup_hook', 'true')],
    ['set', () => ctx.execute('set', 'api_on_answer=system id')],
    ['set', () => ctx.execute('set', ' API_ON_RING=system id')],
    ['export', () => ctx.execute('export', 'execute_on_answer=lua x')],
    ['export', () => ctx.execute('export', 'nolocal:api_on_answer=system id')],
    ['push', () => ctx.execute('push', 'api_on_answer=system id')],
    ['multiset', () => ctx.execute('multiset', 'a=1 api_on_hangup=system id')],
    ['multiset', () => ctx.execute('multiset', '^^:a=1:api_hangup_hook=system id')],
    ['uuid_setvar', () => ctx.api('uuid_setvar ' + ctx.uuid + ' api_on_answer system id')],
  ];
  for (const [what, fn] of tries) {
    try {
      await fn();
      console.log(what + ':RAN');
    } catch (e) {
      console.log(what + ':' + e.code);
    }
  }
  // The header route is prefixed: it can only ever write sip_h_<name>.
  await ctx.header('api_on_answer', 'harmless');
  console.log('header:' + ctx.get('sip_h_api_on_answer'));
}
