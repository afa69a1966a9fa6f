interface CallData {
  who: string;
  vars?: Record<string, string>;
}

type Result = `typed:${string}`;

enum Status { Ok = "ok" }

export async function main(data: CallData, ctx: unknown): Promise<Result> {
  const who: string = data.who ?? "nobody";
  return `typed:${who}:${Status.Ok}` as Result;
}
