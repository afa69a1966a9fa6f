// ivr-demo: scenario 2 of the real-switch suite (dialled as 1000 or "menu" through the script
// table in freeswitch-conf/dialplan/public/00_script_table.xml).
// Reads up to 4 digits ended by #, and takes a branch for them. The digits and the branch are
// left in channel variables (e2e_digits, e2e_branch) that the test reads from FreeSWITCH.
const branches = { '123': 'one', '456': 'two' };

async function main(data, ctx) {
  await ctx.answer();
  const r = await ctx.ivr('user/menu.wav', 5, 1, 4, '#', { tries: 2, invalid_file: 'user/invalid.wav' });
  const branch = r.status === 'success' ? (branches[r.value] || 'other') : r.status;
  ctx.log('ivr-demo digits', r.value, 'status', r.status, 'branch', branch);
  await ctx.set('e2e_digits', r.value);
  await ctx.set('e2e_branch', branch);
  if (branch === 'one' || branch === 'two') {
    await ctx.play('user/branch-' + branch + '.wav');
  } else {
    await ctx.play('user/invalid.wav');
  }
  await ctx.hangup();
}
