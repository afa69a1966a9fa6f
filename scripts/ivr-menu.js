// IVR menu with a retry loop: press 1 for sales, 2 for support; three tries, then goodbye.
// The branch taken is left in the channel variable `menu_choice`.
async function main(data, ctx) {
  await ctx.answer();
  await ctx.play('user/welcome.wav');
  for (let attempt = 1; attempt <= 3; attempt++) {
    const r = await ctx.ivr('user/menu.wav', 5, 1, 1, '#', { regexp: '[12]' });
    if (r.status === 'success') {
      const choice = r.value === '1' ? 'sales' : 'support';
      await ctx.set('menu_choice', choice);
      console.log('caller chose', choice, 'on attempt', attempt);
      await ctx.play(`user/${choice}.wav`);
      return;
    }
    console.log('no valid choice', { attempt, status: r.status });
    if (attempt < 3) await ctx.play('user/try-again.wav');
  }
  await ctx.set('menu_choice', 'none');
  await ctx.play('user/goodbye.wav');
}
