// uuid_* commands that name another call: refused with EPERM.
async function main(data, ctx) {
  await ctx.answer();
  const other = '0badc0de-0000-4000-8000-000000000001';
  const cmds = ['uuid_kill ' + other, 'uuid_transfer ' + other + ' 9999 XML default',
    'uuid_bridge ' + ctx.uuid + ' ' + other, 'uuid_bridge ' + other + ' ' + ctx.uuid,
    'uuid_getvar ' + other + ' sip_auth_password', 'uuid_setvar ' + other + ' x 1', 'uuid_dump ' + other,
    'uuid_break ' + other, 'uuid_record ' + other + ' start /tmp/spy.wav', 'UUID_GETVAR ' + other + ' x',
    'uuid_getvar ' + ctx.uuid + 'x y'];
  for (const cmd of cmds) {
    try {
      await ctx.api(cmd);
      console.log(cmd.split(' ')[0] + ':RAN');
    } catch (e) {
      console.log(cmd.split(' ')[0] + ':' + e.code);
    }
  }
}
