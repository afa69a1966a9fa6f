// A busy loop inside a promise job (a then callback).
async function main(data, ctx) {
  await ctx.answer();
  await Promise.resolve().then(() => { while (true) {} });
}
