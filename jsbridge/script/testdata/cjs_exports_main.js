exports.main = function (data, ctx) {
  return "cjs-exports-main:" + data.who;
};
