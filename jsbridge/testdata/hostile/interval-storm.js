// A storm of zero-delay intervals: each callback does a little work; the cap ends
// the storm, and the intervals created before it stop with the call.
async function main(data, ctx) {
  await ctx.answer();
  let ticks = 0;
  for (let i = 0; i < 1e6; i++) setInterval(() => { ticks++; JSON.stringify({ ticks }); }, 0);
}
