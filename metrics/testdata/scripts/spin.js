// spin: never yields, so the CPU limit stops it.
async function main(data, ctx) {
  await ctx.answer();
  for (;;) {}
}
