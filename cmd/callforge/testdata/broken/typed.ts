// A TypeScript annotation that cannot be stripped.
export async function main(data: { uuid: string }, ctx: any): Promise<void> {
  const seen: Map<string, = new Map();
  await ctx.answer();
}
