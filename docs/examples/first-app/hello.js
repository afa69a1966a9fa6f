// @ts-check
// Step 1: answer, say hello, hang up.

/**
 * @param {callforge.CallData} data
 * @param {callforge.Ctx} ctx
 */
async function main(data, ctx) {
  await ctx.answer();
  console.log('call from', data.callerIdNumber, 'to', data.destinationNumber);
  await ctx.tts('Hello, and thank you for calling.');
  await ctx.hangup();
}
