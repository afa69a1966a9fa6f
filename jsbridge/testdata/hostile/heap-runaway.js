// Allocates without bound: the heap guard stops it.
async function main(data, ctx) {
  await ctx.answer();
  const keep = [];
  for (let i = 0; ; i++) keep.push(new Array(1 << 14).fill(i));
}
