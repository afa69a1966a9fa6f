// room: the real-switch suite's conference scenario. The caller joins a conference of
// their own (mod_conference, the default profile) and hangs up in it 2 s later; the
// script's ctx.conference resolves then (leaving a conference is its normal end, not an
// error), and the script logs a line that the test looks for in callforge's log.
async function main(data, ctx) {
  await ctx.answer();
  await ctx.set('e2e_step', 'conference');
  const r = await ctx.conference('e2e-' + data.uuid);
  console.log('e2e-conference-left result=' + String(r) + ' up=' + ctx.up);
}
