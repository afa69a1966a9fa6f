module.exports = async function (data, ctx) {
  return "cjs-function:" + data.who;
};
