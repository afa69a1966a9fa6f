// process.exit and process.binding do not exist; process.env is frozen and holds
// only what the operator passed.
async function main(data, ctx) {
  await ctx.answer();
  console.log('exit:' + typeof process.exit + ' binding:' + typeof process.binding + ' home:' + process.env.HOME);
  console.log('env-frozen:' + Object.isFrozen(process.env));
  process.exit(1);
}
