export default function (data, ctx) {
  return "esm-loses";
}
module.exports = { main: (data, ctx) => "cjs-wins:" + data.who };
