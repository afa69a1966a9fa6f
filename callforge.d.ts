// Type declarations for callforge voice scripts.
//
// Copy this file into your scripts repository (or point your tsconfig.json /
// jsconfig.json at it) to get completion and type errors in any editor:
//
//   JavaScript:  // @ts-check
//                /** @param {callforge.CallData} data @param {callforge.Ctx} ctx */
//                async function main(data, ctx) { ... }
//   TypeScript:  export async function main(data: callforge.CallData, ctx: callforge.Ctx) { ... }
//
// Hand-kept: jsbridge/dts_test.go fails when it drifts from the engine's real
// bindings (jsbridge.Bindings()). Reference: docs/script-api.md.

declare namespace callforge {
  /** The `data` argument of main: the call's data as FreeSWITCH sent it on connect. */
  interface CallData {
    /** The call's (A-leg) UUID. */
    readonly uuid: string;
    /** `Caller-Caller-ID-Number`. */
    readonly callerIdNumber: string;
    /** `Caller-Caller-ID-Name`. */
    readonly callerIdName: string;
    /** `Caller-Destination-Number`: the number dialled. */
    readonly destinationNumber: string;
    /** `Call-Direction`: "inbound" or "outbound". */
    readonly direction: string;
    /** `Caller-Context`: the dialplan context. */
    readonly context: string;
    /** Every channel variable of the connect data: `variable_x` as `vars.x`. */
    readonly vars: Readonly<Record<string, string>>;
    /** Every connect header by its FreeSWITCH name ("Channel-Name", "variable_sip_from_user", ...). */
    readonly [header: string]: string | Readonly<Record<string, string>> | undefined;
  }

  /** Options of ctx.tts. */
  interface TtsOptions {
    /** TTS engine (default: the engine's --tts-engine). */
    engine?: string;
    /** Voice (default: the engine's --tts-voice). */
    voice?: string;
  }

  /** Options of ctx.say (FreeSWITCH's `say` application). */
  interface SayOptions {
    /** Language module, default "en". */
    lang?: string;
    /** What the text is: "number" (default), "items", "persons", "messages", "currency", "time_measurement", "current_date", "current_time", "current_date_time", "telephone_number", "telephone_extension", "url", "ip_address", "email_address", "postal_address", "account_number", "name_spelled", "name_phonetic", "short_date_time". */
    type?: string;
    /** "pronounced" (default), "iterated" or "counted". */
    method?: string;
  }

  /** Options of ctx.ivr (play_and_get_digits). */
  interface IvrOptions {
    /** How many times the prompt is played when no valid input came (1-10, default 1). */
    tries?: number;
    /** File played after invalid input (default: a quarter second of silence). */
    invalid_file?: string;
    /** Digits are valid when they match this regular expression (default "\\d+"). */
    regexp?: string;
    /** "extension [dialplan [context]]" to transfer to once every try failed. */
    transfer_on_failure?: string;
  }

  /** What ctx.ivr resolves with. */
  interface IvrResult {
    /** "success" when valid digits were read, "invalid" when the digits did not match, "timeout" when none came. */
    status: "success" | "timeout" | "invalid";
    /** The digits read, or "" when status is not "success". */
    value: string;
    /** The rejected digits, when status is "invalid". */
    invalid?: string;
  }

  /** What ctx.bridge resolves with. */
  interface BridgeResult {
    /** "success" when the B-leg answered (the bridge has now ended), else "failed". */
    status: "success" | "failed";
    /** On success the bridge's hang-up cause; on failure why it failed ("USER_BUSY", "NO_ANSWER", "CALL_REJECTED", ...). */
    cause: string;
    /** The B-leg's UUID ("" when it failed). */
    bLeg: string;
  }

  /** Options of ctx.recordMessage (FreeSWITCH's blocking `record`). */
  interface RecordMessageOptions {
    /** Longest recording in seconds (1-3600, default 60). */
    maxSeconds?: number;
    /** Energy level under which audio counts as silence (default 200). */
    silenceThreshold?: number;
    /** Seconds of silence that end the recording (default 3; 0 disables). */
    silenceSeconds?: number;
    /** DTMF digits that end the recording (default "#"; "" for none). */
    terminators?: string;
  }

  /** What ctx.recordMessage resolves with. */
  interface RecordMessageResult {
    /** The recording's path as FreeSWITCH wrote it. */
    path: string;
    /** Its length in seconds, to the millisecond (FreeSWITCH's record_ms). */
    seconds: number;
    /** The digit that ended it, or "". */
    terminator: string;
  }

  /** What ctx.execute resolves with. */
  interface ExecuteResult {
    /** The application's response (`Application-Response`). */
    response: string;
    /** The channel variables after it ran. */
    vars: Record<string, string>;
  }

  /** A ctx.waitFor matcher over the digits collected so far: a suffix string, a RegExp, or a predicate. */
  type DigitMatcher = string | RegExp | ((digits: string) => boolean);

  /** Error codes scripts see in `err.code`. */
  type ErrorCode =
    | "EHANGUP"
    | "ETIMEDOUT"
    | "EINVAL"
    | "EREFUSED"
    | "ETRANSFERRED"
    | "EFAILMATCH"
    | "EBRIDGE"
    | "ESCRIPT"
    | "ELIMIT"
    | "EPERM"
    | "EIO";

  /** Every error the engine rejects a ctx promise with is an Error with a name and a code. */
  interface CallforgeError extends Error {
    name: string;
    code: ErrorCode;
  }

  /** The caller hung up: every pending and every later command rejects with this. */
  interface HangupError extends CallforgeError {
    name: "HangupError";
    code: "EHANGUP";
    /** The hang-up cause ("NORMAL_CLEARING", "ORIGINATOR_CANCEL", ...). */
    cause: string;
  }

  /** ctx.waitFor ran out of time. */
  interface TimeoutError extends CallforgeError {
    name: "TimeoutError";
    code: "ETIMEDOUT";
    /** The digits collected before the timeout. */
    digits?: string;
  }

  /** ctx.waitFor's failMatch matched. */
  interface DtmfError extends CallforgeError {
    name: "DtmfError";
    code: "EFAILMATCH";
    /** The digits that matched failMatch. */
    digits: string;
  }

  /** `ctx`: the call. Every method that makes FreeSWITCH work returns a promise that settles when FreeSWITCH has finished it. */
  interface Ctx {
    /** The call's UUID. */
    readonly uuid: string;
    /** false once the call is down. */
    readonly up: boolean;

    /** A channel variable from the cache (connect data, events, and this script's own set), or undefined. Synchronous. */
    get(name: string): string | undefined;
    /** Sets a channel variable (`set` application); a following get sees it at once. */
    set(name: string, value: string | number | boolean): Promise<void>;
    /** Reads a SIP header of the call (sip_h_* / sip_i_* variables). */
    header(name: string): string | undefined;
    /** Sets a SIP header (sip_h_<name>) for outgoing legs. */
    header(name: string, value: string): Promise<void>;
    /** A structured log line with the call's uuid and the script's name (like console.log). */
    log(...args: unknown[]): void;

    /** Answers the call. */
    answer(): Promise<void>;
    /** Early media: pre_answer. */
    preAnswer(): Promise<void>;
    /** Plays a file (`playback`): "user/x.wav" is the operator's sound folder, "ivr/x.wav" the switch's sounds, anything else as FreeSWITCH takes it. Resolves with FreeSWITCH's response ("FILE PLAYED", ...). */
    play(file: string): Promise<string>;
    /** Speaks text (`speak`). */
    tts(text: string, opts?: TtsOptions): Promise<void>;
    /** Says a number, date, ... (`say`). */
    say(text: string | number, opts?: SayOptions): Promise<void>;
    /** Plays a prompt and reads digits (`play_and_get_digits`); timeout in seconds after the prompt (default 5), min/max digits (default 1/min). */
    ivr(file: string, timeout?: number, min?: number, max?: number, terminators?: string, opts?: IvrOptions): Promise<IvrResult>;
    /** Echoes the caller's audio (`echo`, or `delay_echo` with a delay in ms) until they hang up. */
    echo(delayMs?: number): Promise<void>;
    /** Joins a conference (`conference name@profile`) until the caller leaves it or hangs up. */
    conference(name: string, profile?: string): Promise<void>;
    /** Bridges to a number/extension (through the engine's dial template) or a full dial string; resolves when the bridge has ended. With continueOn false a failed bridge hangs up the call and rejects. wait: ring timeout in seconds. */
    bridge(destination: string, continueOn?: boolean, wait?: number): Promise<BridgeResult>;
    /** Hangs up (default cause NORMAL_CLEARING); resolves when the channel is down. */
    hangup(cause?: string): Promise<void>;
    /** Stops DTMF (all, or the given digits) from reaching the script and the media path. */
    blockDtmf(digits?: string): Promise<void>;
    /** Undoes blockDtmf. */
    unblockDtmf(): Promise<void>;
    /** Waits for DTMF: resolves with the digits when match matches; rejects on failMatch (DtmfError), on timeout (TimeoutError, default 60 s) and on hang-up. */
    waitFor(match: DigitMatcher, failMatch?: DigitMatcher | null, timeoutS?: number): Promise<string>;
    /** Resolves with the hang-up cause once the call has ended. */
    waitForHangup(): Promise<string>;
    /** Starts recording the call (`record_session`) into the recordings folder; resolves with the path once recording has started. */
    record(name: string): Promise<string>;
    /** Stops a ctx.record (that one, or all). */
    recordStop(name?: string): Promise<void>;
    /** Records a message (blocking `record`). */
    recordMessage(name: string, opts?: RecordMessageOptions): Promise<RecordMessageResult>;
    /** Waits (`sleep`), keeping the media path open. */
    sleep(ms: number): Promise<void>;
    /** Transfers the call (`transfer`): the script loses control of it. */
    transfer(extension: string, dialplan?: string, context?: string): Promise<void>;
    /** Interrupts the media now playing (`uuid_break`). Resolves with FreeSWITCH's reply. */
    stop(): Promise<string>;
    /** Calls handler for each DTMF digit. */
    on(event: "dtmf", handler: (digit: string) => void): void;
    /** Calls handler with the cause when the call ends. */
    on(event: "hangup", handler: (cause: string) => void): void;
    /** Calls handler with each FreeSWITCH event of that name on the call ("CHANNEL_PARK", "CUSTOM::sofia::register", ...). */
    on(event: string, handler: (event: Record<string, string>) => void): void;
    /** Runs any dialplan application on the operator's allow-list. */
    execute(app: string, args?: string): Promise<ExecuteResult>;
    /** Runs an allow-listed API command; resolves with its reply. */
    api(command: string): Promise<string>;
  }

  /** The script's console: each line is a structured log line of the call. */
  interface Console {
    log(...args: unknown[]): void;
    info(...args: unknown[]): void;
    debug(...args: unknown[]): void;
    warn(...args: unknown[]): void;
    error(...args: unknown[]): void;
  }

  /** `require('kv')`: the engine's key/value store (string values; getJSON/setJSON for objects). TTLs are in seconds, 0 or absent for none. */
  interface KV {
    get(key: string): Promise<string | undefined>;
    set(key: string, value: string | number | boolean, ttlSeconds?: number): Promise<void>;
    /** Adds by (default 1) atomically and resolves with the new value; a new key gets the TTL. */
    incr(key: string, by?: number, ttlSeconds?: number): Promise<number>;
    /** Resolves true when the key existed. */
    del(key: string): Promise<boolean>;
    /** Keys starting with prefix, sorted, at most limit of them. */
    keys(prefix?: string, limit?: number): Promise<string[]>;
    getJSON<T = unknown>(key: string): Promise<T | undefined>;
    setJSON(key: string, value: unknown, ttlSeconds?: number): Promise<void>;
  }

  /** `require('cxKV')`: the ConnexCS-style view of the same store. */
  interface CxKV {
    /** String values. */
    kv: {
      get(key: string): Promise<string | undefined>;
      set(key: string, value: string, ttlSeconds?: number): Promise<void>;
    };
    /** Object values (JSON). */
    ko: {
      get<T = unknown>(key: string): Promise<T | undefined>;
      set(key: string, value: unknown, ttlSeconds?: number): Promise<void>;
    };
    incr(key: string, by?: number, ttlSeconds?: number): Promise<number>;
    keys(prefix?: string): Promise<string[]>;
  }

  /** `require('cxUserspace')`: named tables on the same store (values are JSON). */
  interface CxUserspace {
    /** Rejects when the key exists. */
    create(table: string, key: string, value: unknown): Promise<void>;
    /** Resolves undefined for a missing key. */
    read<T = unknown>(table: string, key: string): Promise<T | undefined>;
    /** Rejects when the key does not exist. */
    update(table: string, key: string, value: unknown): Promise<void>;
    /** Resolves true when the key existed. */
    delete(table: string, key: string): Promise<boolean>;
    list<T = unknown>(table: string): Promise<{ key: string; value: T }[]>;
  }

  /** Options of an HTTP request. */
  interface HttpOptions {
    headers?: Record<string, string>;
    /** Timeout in milliseconds (capped by the engine). */
    timeoutMs?: number;
  }

  /** A full HTTP request for http.request. */
  interface HttpRequest extends HttpOptions {
    /** Default "GET". */
    method?: string;
    url: string;
    /** A string is sent as is; an object as JSON (Content-Type application/json). */
    body?: unknown;
  }

  /** An HTTP response. Any status resolves; transport failures and refused hosts reject. */
  interface HttpResponse {
    status: number;
    statusText: string;
    /** status is 2xx. */
    ok: boolean;
    /** The final URL (after redirects). */
    url: string;
    headers: Record<string, string>;
    body: string;
    /** The body as a string. */
    text(): string;
    /** The body parsed as JSON (throws a SyntaxError when it is not JSON). */
    json<T = any>(): T;
  }

  /** `require('http')`: an HTTP client limited to the operator's allow-list of hosts (--http-allow). */
  interface Http {
    get(url: string, opts?: HttpOptions): Promise<HttpResponse>;
    /** A string body is sent as is; an object as JSON. */
    post(url: string, body?: unknown, opts?: HttpOptions): Promise<HttpResponse>;
    request(req: HttpRequest): Promise<HttpResponse>;
    /** GET, then the body parsed as JSON; rejects on a status of 400 or more. */
    getJSON<T = any>(url: string, opts?: HttpOptions): Promise<T>;
    /** POST body as JSON, then the response parsed as JSON; rejects on a status of 400 or more. */
    postJSON<T = any>(url: string, body: unknown, opts?: HttpOptions): Promise<T>;
  }

  /** The signature of a voice script's entry point. */
  type Main = (data: CallData, ctx: Ctx) => unknown;
}

declare var console: callforge.Console;

/** Only the environment variables the operator passes to scripts. */
declare var process: { readonly env: Readonly<Record<string, string | undefined>> };

/** Timers run on the call's own loop; their handles are numbers, as in browsers. */
declare function setTimeout(callback: (...args: any[]) => void, ms?: number, ...args: any[]): number;
declare function clearTimeout(handle: number | undefined | null): void;
declare function setInterval(callback: (...args: any[]) => void, ms?: number, ...args: any[]): number;
declare function clearInterval(handle: number | undefined | null): void;
declare function setImmediate(callback: (...args: any[]) => void, ...args: any[]): number;
declare function clearImmediate(handle: number | undefined | null): void;

/** CommonJS (scripts may also use ES module syntax and TypeScript). */
declare var module: { exports: any };
declare var exports: any;
declare var __filename: string;
declare var __dirname: string;
declare function require(name: "kv"): callforge.KV;
declare function require(name: "cxKV"): callforge.CxKV;
declare function require(name: "cxUserspace"): callforge.CxUserspace;
declare function require(name: "http"): callforge.Http;
declare function require(name: string): any;

declare module "kv" {
  const kv: callforge.KV;
  export = kv;
}

declare module "cxKV" {
  const cxKV: callforge.CxKV;
  export = cxKV;
}

declare module "cxUserspace" {
  const cxUserspace: callforge.CxUserspace;
  export = cxUserspace;
}

declare module "http" {
  const http: callforge.Http;
  export = http;
}

declare module "console" {
  const console: callforge.Console;
  export = console;
}

declare module "util" {
  /** printf-like formatting (%s, %d, %j, %%). */
  export function format(format?: unknown, ...args: unknown[]): string;
}

declare module "url" {
  export class URLSearchParams {
    constructor(init?: string | Record<string, string> | [string, string][]);
    get(name: string): string | null;
    getAll(name: string): string[];
    has(name: string): boolean;
    set(name: string, value: string): void;
    append(name: string, value: string): void;
    delete(name: string): void;
    toString(): string;
  }
  export class URL {
    constructor(url: string, base?: string);
    href: string;
    protocol: string;
    host: string;
    hostname: string;
    port: string;
    pathname: string;
    search: string;
    hash: string;
    readonly origin: string;
    readonly searchParams: URLSearchParams;
    toString(): string;
  }
}

declare module "buffer" {
  type Encoding = "utf8" | "utf-8" | "hex" | "base64" | "base64url" | "latin1" | "binary" | "ascii";
  export class Buffer {
    static from(data: string, encoding?: Encoding): Buffer;
    static from(data: ArrayLike<number>): Buffer;
    static alloc(size: number): Buffer;
    static isBuffer(obj: unknown): obj is Buffer;
    readonly length: number;
    toString(encoding?: Encoding): string;
    [index: number]: number;
  }
}
