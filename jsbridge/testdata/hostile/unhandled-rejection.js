// A rejected promise nobody handles: like Node, it ends the call the error way.
async function main(data, ctx) {
  await ctx.answer();
  Promise.reject(new Error('nobody handles this'));
  await ctx.play('after.wav');
}
