// router: the routing script of the script table (freeswitch-conf/dialplan/public/
// 00_script_table.xml sends every +E.164 number here as route_script). A real router would
// bridge or transfer by number; this one records which number it routed, plays, and hangs up.
async function main(data, ctx) {
  await ctx.answer();
  await ctx.set('e2e_route', data.destinationNumber);
  await ctx.play('user/hello.wav');
  await ctx.set('e2e_step', 'played');
  await ctx.hangup();
}
