// Business hours in New York: open Monday to Friday, 9:00 to 17:00 local time
// (daylight saving included); otherwise play the closed message and offer
// voicemail. The decision is left in `hours_open` ("yes"/"no").

interface Opening {
  days: number[]; // 0 = Sunday
  from: number; // minutes after midnight
  to: number;
}

const hours: Opening = { days: [1, 2, 3, 4, 5], from: 9 * 60, to: 17 * 60 };

// Eastern time: UTC-5, UTC-4 from the second Sunday of March to the first
// Sunday of November (at 2:00 local). The runtime has no time zone
// database, so the rule is written out.
function nthSunday(year: number, month: number, n: number): number {
  const first = new Date(Date.UTC(year, month, 1)).getUTCDay();
  return 1 + ((7 - first) % 7) + 7 * (n - 1);
}

function easternOffsetMinutes(now: Date): number {
  const y = now.getUTCFullYear();
  const dstStart = Date.UTC(y, 2, nthSunday(y, 2, 2), 7); // 2:00 EST = 7:00 UTC
  const dstEnd = Date.UTC(y, 10, nthSunday(y, 10, 1), 6); // 2:00 EDT = 6:00 UTC
  const t = now.getTime();
  return t >= dstStart && t < dstEnd ? -4 * 60 : -5 * 60;
}

export function isOpen(now: Date, opening: Opening = hours): boolean {
  const local = new Date(now.getTime() + easternOffsetMinutes(now) * 60_000);
  const minutes = local.getUTCHours() * 60 + local.getUTCMinutes();
  return opening.days.includes(local.getUTCDay()) && minutes >= opening.from && minutes < opening.to;
}

export async function main(data: callforge.CallData, ctx: callforge.Ctx): Promise<void> {
  await ctx.answer();
  const open = isOpen(new Date());
  await ctx.set('hours_open', open ? 'yes' : 'no');
  if (open) {
    const r: callforge.BridgeResult = await ctx.bridge('1000', true, 25);
    if (r.status === 'success') return;
  } else {
    await ctx.play('user/closed.wav');
  }
  const msg = await ctx.recordMessage(`after-hours-${data.uuid}.wav`, { maxSeconds: 90 });
  ctx.log('message left', msg.path, msg.seconds);
}
