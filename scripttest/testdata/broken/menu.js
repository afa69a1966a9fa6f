async function main(data, ctx) {
  await ctx.answer();
  await ctx.play('user/welcome.wav');
  const r = await ctx.ivr('user/menu.wav', 3, 1, 1, '#');
  if (r.value === '3') {
    null.boom(); // a bug on the "3" path
  }
  await ctx.set('choice', r.value || 'none');
}
