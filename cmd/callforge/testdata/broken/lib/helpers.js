// A helper that compiles and is required by a sibling script.
module.exports = { greet: (name) => 'hello ' + name };
