var calls = 0;
exports.loaded = (exports.loaded || 0) + 1;
module.exports.main = function (data, ctx) {
  calls++;
  return "counter:" + calls + ":" + exports.loaded;
};
