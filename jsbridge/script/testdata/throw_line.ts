// Types shift nothing: the error must be reported on line 10.
import type { Foo } from "./types";

interface Data { who: string; n: number }

export async function main(data: Data, ctx: unknown): Promise<void> {
  const n: number = data.n;
  if (n > 0) {
    const msg: string = "boom from ts";
    throw new Error(msg);
  }
}
