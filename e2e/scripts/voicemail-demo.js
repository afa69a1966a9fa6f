// voicemail-demo: the real-switch suite's TTS and recording scenario. Speaks a prompt with
// the switch's TTS engine (flite), then records a message of at most 2 s with the blocking
// record application, and leaves what ctx.recordMessage resolved with in channel variables
// (e2e_record_path, e2e_record_seconds) that the test reads from FreeSWITCH; the test also
// finds the file in the switch's recordings folder.
async function main(data, ctx) {
  await ctx.answer();
  await ctx.tts('Please leave a message.');
  await ctx.set('e2e_step', 'spoken');
  const m = await ctx.recordMessage('e2e-' + data.uuid + '.wav', { maxSeconds: 2, silenceSeconds: 5 });
  await ctx.set('e2e_record_path', m.path);
  await ctx.set('e2e_record_seconds', String(m.seconds));
  await ctx.hangup();
}
