async function main(data, ctx) {
  await ctx.answer();
  throw null;
}
