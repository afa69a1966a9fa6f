// @ts-check
// Voicemail to email via http: record a message, then hand it to the mail
// service (its host must be on the operator's --http-allow list). The POST
// runs even if the caller hangs up while recording: clean-up work that needs
// no channel is allowed after a HangupError.
const http = require('http');

const MAIL_API = 'https://mail.example.com/v1/voicemail';

/**
 * @param {callforge.CallData} data
 * @param {callforge.Ctx} ctx
 */
async function main(data, ctx) {
  const mailbox = ctx.get('mailbox') || data.destinationNumber;
  const name = `vm-${mailbox}-${data.uuid}.wav`;
  /** @type {callforge.RecordMessageResult | undefined} */
  let msg;
  try {
    await ctx.answer();
    await ctx.play('user/leave-a-message.wav');
    await ctx.play('tone_stream://%(500,0,800)');
    msg = await ctx.recordMessage(name, { maxSeconds: 120, silenceSeconds: 5, terminators: '#' });
    await ctx.play('user/message-saved.wav');
  } catch (err) {
    if (/** @type {callforge.CallforgeError} */ (err).name !== 'HangupError') throw err;
  }
  if (!msg || msg.seconds < 1) {
    console.log('no message recorded');
    return;
  }
  const res = await http.post(
    MAIL_API,
    { mailbox, from: data.callerIdNumber, seconds: msg.seconds, recording: msg.path },
    { headers: { 'X-Mailbox': mailbox }, timeoutMs: 5000 },
  );
  if (res.status >= 300) {
    console.error('mail service refused the voicemail', res.status, res.body);
  }
}
