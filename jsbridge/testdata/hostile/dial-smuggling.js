// Hook variables smuggled in through bridge dial strings: refused with EPERM.
async function main(data, ctx) {
  await ctx.answer();
  const dials = [
    '{api_on_answer=system touch /tmp/x}sofia/gateway/gw/1',
    '[execute_on_answer=lua pwn.lua]sofia/gateway/gw/1',
    '<api_hangup_hook=system id>sofia/gateway/gw/1',
    '{origination_caller_id_number=1, API_ON_ANSWER=system id}user/1',
    'sofia/gateway/gw/1,[execute_on_media=lua x]sofia/gateway/gw/2',
    'user/1|{exec_after_bridge_app=system,exec_after_bridge_arg=id}user/2',
    '{^^:sip_invite_domain=x:api_on_answer=system id}user/1',
    '[^^;x=1;execute_on_answer=lua x]user/1',
  ];
  for (const d of dials) {
    try {
      await ctx.bridge(d);
      console.log('bridge:RAN');
    } catch (e) {
      console.log('bridge:' + e.code);
    }
  }
  try {
    await ctx.execute('bridge', '{api_on_answer=system id}user/1');
    console.log('execute-bridge:RAN');
  } catch (e) {
    console.log('execute-bridge:' + e.code);
  }
}
