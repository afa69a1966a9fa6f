import util from "util";

export async function main(data, ctx) {
  return "esm-named:" + data.who + ":" + typeof util;
}
