function main(data, ctx) {
  return "classic-wins:" + data.who;
}
module.exports = function (data, ctx) {
  return "cjs-loses";
};
