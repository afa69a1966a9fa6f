const prefix = "esm-default-function:";
export default async function (data, ctx) {
  return prefix + data.who;
}
