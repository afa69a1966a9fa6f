import kv from "kv";

const unused = kv;

export default async function (data, ctx) {
  await null;
  throw new Error("boom from esm");
}
