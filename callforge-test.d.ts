// Types of the callforge test API: the globals of *.test.js / *.test.ts files
// that `callforge test` runs (see docs/testing.md). Reference this file from a
// test file (/// <reference path="callforge-test.d.ts" />) or list it in your
// tsconfig.json "include".

declare namespace callforgeTest {
  interface TestOptions {
    /** Real seconds the test may take (default 30, or callforge test -timeout). */
    timeout?: number;
    skip?: boolean;
    only?: boolean;
    todo?: boolean;
  }

  interface CallOptions {
    /** Channel variables the call starts with (what the dialplan would set). */
    vars?: Record<string, string>;
    callerIdNumber?: string; // default "1001"
    callerIdName?: string; // default "sim"
    destination?: string; // default "1000"
    /**
     * Media durations in seconds, by application ("playback", "speak", "bridge",
     * "bridge:ring", "record", "echo", "play_and_get_digits") or by argument
     * (a file: "user/welcome.wav"). Defaults: playback/speak/say 1 s, sleep its own
     * ms, play_and_get_digits waits its own timeout for digits, record its limit
     * (60 s without one), bridge rings 0 s and talks 10 s, echo/conference/park
     * last until the caller hangs up.
     */
    media?: Record<string, number>;
    /** What the script sees as process.env. */
    env?: Record<string, string>;
    /** Real seconds the call may take before the test fails (default 30). */
    timeout?: number;
    /** When the call happens (default now): what `new Date()` in the script sees as it begins. */
    at?: Date | string | number;
  }

  /** The caller, set up before run(). Every method returns the call, for chaining. */
  interface SimCall {
    /** Digits pressed when the FreeSWITCH application `app` next starts (once per rule, in order). */
    pressOn(app: string, digits: string): SimCall;
    /** Digits pressed at a moment (virtual seconds since the call began). */
    dtmfAt(seconds: number, digits: string): SimCall;
    /** The caller hangs up `afterSeconds` into the next run of `app` (default 0: as it starts). */
    hangupOn(app: string, afterSeconds?: number, cause?: string): SimCall;
    /** The caller hangs up at a moment (virtual seconds), with cause (default NORMAL_CLEARING). */
    hangupAt(seconds: number, cause?: string): SimCall;
    /** Bridges fail with cause (default USER_BUSY); "" makes them succeed (the default). */
    failBridge(cause?: string): SimCall;
    /** playback of this file completes with FILE NOT FOUND. */
    missingFile(file: string): SimCall;
    /** The application is not installed: FreeSWITCH hangs up with DESTINATION_OUT_OF_ORDER. */
    unknownApp(app: string): SimCall;
    /** When the call happens, as CallOptions.at: a Date, an ISO 8601 string or ms since 1970. */
    at(when: Date | string | number): SimCall;
    /** Media duration (seconds) of an application or a file, as CallOptions.media. */
    media(appOrFile: string, seconds: number): SimCall;
    /** Places the call and resolves when the engine is done with it. */
    run(): Promise<CallResult>;
  }

  interface LogLine {
    level: string;
    message: string;
    /** Virtual seconds since the call began. */
    at: number;
    /** file:line:col of the console/ctx.log call. */
    pos: string;
  }

  interface HttpCall {
    method: string;
    url: string;
    body: string;
    headers: Record<string, string>;
    /** 0 when no route answered (the script saw an error). */
    status: number;
  }

  interface CallResult {
    script: string;
    uuid: string;
    /** What the engine asked FreeSWITCH for, in order: [app, arg] or [app]; ["hangup", cause]; ["api", command]. */
    verbs: string[][];
    /** verbs' first elements. */
    apps: string[];
    /** Channel variables at the end of the call. */
    vars: Record<string, string>;
    /** "" when the channel was not hung up (transferred, or the engine left it). */
    hangupCause: string;
    /** The script's log lines (console.*, ctx.log), messages only. */
    logs: string[];
    logLines: LogLine[];
    /** The engine's error lines about the call (script errors, refused commands). */
    errors: string[];
    /** How the script run ended: "ok", "hangup" (the caller hung up under it), "error", "limit", "failed" (never started). */
    outcome: string;
    /** Virtual seconds the call lasted. */
    duration: number;
    /** Requests the script made through require('http'). */
    http: HttpCall[];
    /** The call as `callforge call` prints it. */
    timeline: string;
  }

  interface HttpAnswer {
    status?: number; // default 200
    body?: string | object;
    /** A JSON body (sets content-type). */
    json?: unknown;
    headers?: Record<string, string>;
    /** A network error instead of an answer. */
    error?: string;
    /** The host to allow, needed when the URL is a RegExp. */
    host?: string;
  }

  interface T {
    /** The test's name ("describe > name"). */
    readonly name: string;
    /** A simulated call into a script of the directory (name as voice_script gives it). */
    call(script: string, options?: CallOptions): SimCall;
    /** The test's own kv store: the one require('kv') sees in this test's calls. Empty at the start. */
    kv: {
      get(key: string): Promise<string | undefined>;
      getJSON(key: string): Promise<any>;
      set(key: string, value: unknown, ttlSeconds?: number): Promise<void>;
      setJSON(key: string, value: unknown, ttlSeconds?: number): Promise<void>;
      incr(key: string, by?: number, ttlSeconds?: number): Promise<number>;
      del(key: string): Promise<boolean>;
      keys(prefix?: string): Promise<string[]>;
    };
    /**
     * Answers for require('http'): only the hosts of these routes are reachable.
     * url is exact, a prefix ending in "*", or a RegExp (then give answer.host).
     */
    http: { on(method: string, url: string | RegExp, answer?: HttpAnswer): void };
    /** Printed with the test's verdict when it fails (always with -v). */
    log(...args: unknown[]): void;

    // Assertions record a failure and return false; the test goes on.
    equal(actual: unknown, expected: unknown, message?: string): boolean;
    is(actual: unknown, expected: unknown, message?: string): boolean;
    notEqual(actual: unknown, expected: unknown, message?: string): boolean;
    deepEqual(actual: unknown, expected: unknown, message?: string): boolean;
    notDeepEqual(actual: unknown, expected: unknown, message?: string): boolean;
    ok(value: unknown, message?: string): boolean;
    notOk(value: unknown, message?: string): boolean;
    /** A string, or any string of an array (r.logs), matches a RegExp or contains a substring. */
    match(actual: string | string[], pattern: RegExp | string, message?: string): boolean;
    notMatch(actual: string | string[], pattern: RegExp | string, message?: string): boolean;
    /** The array holds an element deep-equal to item. */
    includes(list: unknown[], item: unknown, message?: string): boolean;
    fail(message?: string): boolean;
  }

  type TestFn = (t: T) => void | Promise<void>;
}

declare function test(name: string, fn: callforgeTest.TestFn): void;
declare function test(name: string, options: callforgeTest.TestOptions, fn: callforgeTest.TestFn): void;
declare namespace test {
  function skip(name: string, fn?: callforgeTest.TestFn): void;
  function only(name: string, fn: callforgeTest.TestFn): void;
  function todo(name: string, fn?: callforgeTest.TestFn): void;
}
declare const it: typeof test;
/** Groups tests: their names get "name > " in front. */
declare function describe(name: string, fn: () => void): void;
