// The top level throws while the module loads.
var ready = false;
throw new Error("top level exploded");
