// Creates timers until the per-call cap refuses one (uncaught RangeError).
async function main(data, ctx) {
  await ctx.answer();
  for (let i = 0; i < 1e6; i++) setTimeout(() => {}, 60000);
}
