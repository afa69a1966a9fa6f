const greet = (who) => "cjs-object:" + who;
module.exports = { main: async (data, ctx) => greet(data.who) };
