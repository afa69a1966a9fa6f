// API commands that reach the host or other calls: refused with EPERM.
async function main(data, ctx) {
  await ctx.answer();
  const cmds = ['originate sofia/gateway/gw/1 &park', 'reloadxml', 'reload mod_sofia', 'load mod_lua',
    'unload mod_sofia', 'shutdown', 'fsctl shutdown', 'bgapi originate user/1 &park', 'system id',
    'luarun x.lua', 'jsrun x.js', 'expand system id', 'eval ${system(id)}', 'ORIGINATE user/1 &park'];
  for (const cmd of cmds) {
    try {
      await ctx.api(cmd);
      console.log(cmd.split(' ')[0] + ':RAN');
    } catch (e) {
      console.log(cmd.split(' ')[0] + ':' + e.code);
    }
  }
}
