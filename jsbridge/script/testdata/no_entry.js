var notMain = function () {};
module.exports = { run: notMain };
