async function main(data, ctx) {
  await ctx.answer();
  throw 'a plain string';
}
