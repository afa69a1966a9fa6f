// The script deletes every ctx method and freezes ctx, then uses it.
async function main(data, ctx) {
  await ctx.answer();
  for (const k of Object.keys(ctx)) delete ctx[k];
  Object.freeze(ctx);
  await ctx.play('gone.wav');
}
