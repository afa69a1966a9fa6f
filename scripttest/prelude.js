// The test API of callforge test files (see docs/testing.md). It runs in the
// test file's own runtime; __cf holds the runner's Go side.
(function (global, cf) {
  'use strict';
  var registry = [];
  var prefix = [];

  function register(name, opts, fn, mode) {
    if (typeof opts === 'function') {
      fn = opts;
      opts = {};
    }
    if (typeof name !== 'string' || name === '') throw new TypeError('test(name, fn): name must be a non-empty string');
    if (typeof fn !== 'function') throw new TypeError('test("' + name + '", fn): fn must be a function');
    opts = opts || {};
    registry.push({
      name: prefix.concat([name]).join(' > '),
      fn: fn,
      skip: mode === 'skip' || !!opts.skip,
      todo: mode === 'todo' || !!opts.todo,
      only: mode === 'only' || !!opts.only,
      timeout: typeof opts.timeout === 'number' ? opts.timeout : 0,
    });
  }

  function test(name, opts, fn) { register(name, opts, fn, ''); }
  test.skip = function (name, opts, fn) { register(name, opts, fn, 'skip'); };
  test.only = function (name, opts, fn) { register(name, opts, fn, 'only'); };
  test.todo = function (name, opts, fn) { register(name, opts || {}, fn || function () {}, 'todo'); };

  function describe(name, fn) {
    prefix.push(String(name));
    try { fn(); } finally { prefix.pop(); }
  }

  function seconds(v, what) {
    if (typeof v !== 'number' || !(v >= 0)) throw new TypeError(what + ': seconds must be a number >= 0');
    return v;
  }

  function instant(v, what) {
    var ms = v instanceof Date ? v.getTime() : typeof v === 'string' ? Date.parse(v) : v;
    if (typeof ms !== 'number' || !isFinite(ms)) {
      throw new TypeError(what + ': a Date, an ISO 8601 string or milliseconds since 1970');
    }
    return ms;
  }

  function SimCall(id, script, opts) {
    opts = opts || {};
    this._id = id;
    this._spec = {
      script: String(script),
      vars: opts.vars || {},
      callerIdNumber: opts.callerIdNumber || '',
      callerIdName: opts.callerIdName || '',
      destination: opts.destination || '',
      media: opts.media || {},
      env: opts.env || {},
      timeout: opts.timeout || 0,
      startMs: opts.at === undefined ? null : instant(opts.at, 'at'),
      pressOn: [], dtmfAt: [], hangupOn: [], hangupAt: 0, hangupCause: '',
      failBridge: '', missing: [], unknown: [],
    };
    this._ran = false;
  }
  SimCall.prototype.pressOn = function (app, digits) {
    this._spec.pressOn.push([String(app), String(digits)]);
    return this;
  };
  SimCall.prototype.dtmfAt = function (at, digits) {
    this._spec.dtmfAt.push([seconds(at, 'dtmfAt'), String(digits)]);
    return this;
  };
  SimCall.prototype.hangupOn = function (app, after, cause) {
    this._spec.hangupOn.push([String(app), seconds(after || 0, 'hangupOn'), cause ? String(cause) : '']);
    return this;
  };
  SimCall.prototype.hangupAt = function (at, cause) {
    this._spec.hangupAt = seconds(at, 'hangupAt') || 0.000001;
    this._spec.hangupCause = cause ? String(cause) : '';
    return this;
  };
  SimCall.prototype.failBridge = function (cause) {
    this._spec.failBridge = cause === undefined ? 'USER_BUSY' : String(cause);
    return this;
  };
  SimCall.prototype.missingFile = function (file) {
    this._spec.missing.push(String(file));
    return this;
  };
  SimCall.prototype.unknownApp = function (app) {
    this._spec.unknown.push(String(app));
    return this;
  };
  SimCall.prototype.at = function (when) {
    this._spec.startMs = instant(when, 'at');
    return this;
  };
  SimCall.prototype.media = function (appOrFile, secs) {
    this._spec.media[String(appOrFile)] = seconds(secs, 'media');
    return this;
  };
  SimCall.prototype.run = function () {
    if (this._ran) return Promise.reject(new Error('call.run(): this call already ran; place another with t.call'));
    this._ran = true;
    return cf.call(this._id, this._spec);
  };

  function makeT(id, name) {
    var t = {
      name: name,
      call: function (script, opts) {
        if (typeof script !== 'string' || script === '') throw new TypeError('t.call(script, opts): script must be a name');
        return new SimCall(id, script, opts);
      },
      kv: {
        get: function (key) { return cf.kv(id, 'get', key); },
        getJSON: function (key) {
          return cf.kv(id, 'get', key).then(function (v) { return v === undefined ? undefined : JSON.parse(v); });
        },
        set: function (key, value, ttl) { return cf.kv(id, 'set', key, typeof value === 'string' ? value : JSON.stringify(value), ttl || 0); },
        setJSON: function (key, value, ttl) { return cf.kv(id, 'set', key, JSON.stringify(value), ttl || 0); },
        incr: function (key, by, ttl) { return cf.kv(id, 'incr', key, by === undefined ? 1 : by, ttl || 0); },
        del: function (key) { return cf.kv(id, 'del', key); },
        keys: function (prefix) { return cf.kv(id, 'keys', prefix || ''); },
      },
      http: {
        on: function (method, url, answer) {
          answer = answer || {};
          var body = answer.body;
          if (answer.json !== undefined) body = JSON.stringify(answer.json);
          cf.route(id, {
            method: String(method || '*'),
            url: url instanceof RegExp ? '' : String(url),
            re: url instanceof RegExp ? url.source : '',
            host: answer.host || '',
            status: answer.status || 200,
            body: body === undefined ? '' : (typeof body === 'string' ? body : JSON.stringify(body)),
            headers: answer.headers || (answer.json !== undefined ? { 'content-type': 'application/json' } : {}),
            error: answer.error || '',
          });
        },
      },
      log: function () { cf.log(id, Array.prototype.slice.call(arguments)); },
    };
    ['equal', 'notEqual', 'deepEqual', 'notDeepEqual', 'ok', 'notOk', 'match', 'notMatch', 'includes', 'fail'].forEach(function (op) {
      t[op] = function () { return cf.assert(id, op, Array.prototype.slice.call(arguments)); };
    });
    t.is = t.equal;
    return t;
  }

  cf.registry = function () { return registry; };
  cf.makeT = makeT;
  global.test = test;
  global.it = test;
  global.describe = describe;
})(globalThis, __cf);
