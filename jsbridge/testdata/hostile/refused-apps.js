// Every dangerous application, by ctx.execute, in any spelling: refused with EPERM.
async function main(data, ctx) {
  await ctx.answer();
  const apps = ['system', 'bg_system', 'spawn', 'lua', 'luarun', 'js', 'jsrun', 'python', 'perl', 'eval',
    'expand', 'originate', 'SYSTEM', 'Lua'];
  for (const app of apps) {
    try {
      await ctx.execute(app, 'touch /tmp/callforge-pwned');
      console.log(app + ':RAN');
    } catch (e) {
      console.log(app + ':' + e.code);
    }
  }
}
