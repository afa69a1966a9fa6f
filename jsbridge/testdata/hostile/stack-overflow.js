// Unbounded recursion: the stack depth cap stops it.
function down(n) {
  return down(n + 1) + 1;
}

async function main(data, ctx) {
  await ctx.answer();
  down(0);
}
