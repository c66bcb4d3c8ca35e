// Parses and validates one JSON text message against the schema, the direction table and the limits.
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import type { ErrorCode } from '../errors.js';
import type { ProtocolLimits } from './limits.js';
import { MESSAGES, type AnyMessage, type MessageType, type Role, type Sender } from './schema.js';

/** A protocol violation found in an incoming message: what the receiver reports in an `error`. */
export interface ProtocolFault {
  readonly code: ErrorCode;
  readonly message: string;
  /** The request id of the offending message, when it had a readable one (the error answers it). */
  readonly id?: number;
  readonly details?: Record<string, unknown>;
}

export type ParseResult = { readonly ok: true; readonly message: AnyMessage } | { readonly ok: false; readonly fault: ProtocolFault };

interface Checker {
  check(value: unknown): boolean;
  firstError(value: unknown): { path: string; reason: string } | undefined;
}

const checkers = new Map<string, Checker>();

/** A compiled checker where code generation is allowed, the interpreter where a CSP forbids it (a web page). */
function checkerFor(type: string, schema: TSchema): Checker {
  let c = checkers.get(type);
  if (c) return c;
  const first = (value: unknown) => {
    const e = Value.Errors(schema, value).First();
    return e ? { path: e.path || '/', reason: e.message } : undefined;
  };
  try {
    const compiled = TypeCompiler.Compile(schema);
    c = { check: (v) => compiled.Check(v), firstError: first };
  } catch {
    c = { check: (v) => Value.Check(schema, v), firstError: first };
  }
  checkers.set(type, c);
  return c;
}

function readId(obj: Record<string, unknown>): number | undefined {
  const id = obj.id;
  return typeof id === 'number' && Number.isInteger(id) && id >= 1 && id <= 2 ** 31 - 1 ? id : undefined;
}

function fault(code: ErrorCode, message: string, id: number | undefined, details?: Record<string, unknown>): ParseResult {
  return { ok: false, fault: { code, message, ...(id !== undefined ? { id } : {}), ...(details ? { details } : {}) } };
}

/** Rules the schema language cannot say: fields required by another field's value. */
function crossFieldRule(type: MessageType, m: Record<string, unknown>, role: Role): { path: string; reason: string } | undefined {
  if ((type === 'capture' || type === 'play' || type === 'stop') && m.at === 'bar' && m.bar === undefined) {
    return { path: '/bar', reason: 'bar is required when at is "bar"' };
  }
  if (type === 'hello') {
    if (m.role === 'plugin' && m.identity === undefined) return { path: '/identity', reason: 'a plugin hello carries its identity' };
    if (m.role === 'ui' && m.identity !== undefined) return { path: '/identity', reason: 'a ui hello carries no identity' };
    void role;
  }
  return undefined;
}

/** The minor protocol version that added `type` (0 for the types of 1.0). */
export function messageSince(type: MessageType): number {
  const spec = MESSAGES[type];
  return 'since' in spec ? spec.since : 0;
}

/**
 * Parses one text message sent by `sender` on a `role` path. Never throws: any problem comes back
 * as a fault with its stable code (docs/protocol.md 3.3).
 */
export function parseMessage(text: string, sender: Sender, role: Role): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return fault('PROTO_BAD_JSON', `Text message is not valid JSON: ${(err as Error).message}`, undefined);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fault('PROTO_BAD_JSON', 'Text message is not a JSON object.', undefined);
  }
  const obj = value as Record<string, unknown>;
  const id = readId(obj);
  if (typeof obj.type !== 'string') return fault('PROTO_BAD_JSON', 'Message has no string "type".', id);
  if (!Object.prototype.hasOwnProperty.call(MESSAGES, obj.type)) {
    return fault('PROTO_UNKNOWN_TYPE', `Unknown message type "${obj.type.slice(0, 64)}".`, id, { type: obj.type.slice(0, 64) });
  }
  const type = obj.type as MessageType;
  const spec = MESSAGES[type];
  if (!spec.from.some((f) => f.sender === sender && f.role === role)) {
    return fault('PROTO_WRONG_ROLE', `A ${sender} may not send "${type}" on /${role}.`, id, { type });
  }
  const checker = checkerFor(type, spec.schema);
  if (!checker.check(obj)) {
    const e = checker.firstError(obj) ?? { path: '/', reason: 'does not match the schema' };
    return fault('PROTO_INVALID_MESSAGE', `Invalid "${type}" message at ${e.path}: ${e.reason}.`, id, { type, ...e });
  }
  const rule = crossFieldRule(type, obj, role);
  if (rule) return fault('PROTO_INVALID_MESSAGE', `Invalid "${type}" message at ${rule.path}: ${rule.reason}.`, id, { type, ...rule });
  return { ok: true, message: obj as unknown as AnyMessage };
}

function over(limit: keyof ProtocolLimits, max: number, value: number, id: number | undefined): ProtocolFault {
  return { code: 'PROTO_LIMIT_EXCEEDED', message: `${limit} is ${max}; got ${value}.`, ...(id !== undefined ? { id } : {}), details: { limit, max, value } };
}

/** Checks the limits of section 7 that depend on values in force (not fixed by the schema). */
export function checkLimits(m: AnyMessage, limits: ProtocolLimits): ProtocolFault | undefined {
  const id = 'id' in m && typeof m.id === 'number' ? m.id : undefined;
  const transfer = (frames: number, channels: number): ProtocolFault | undefined => {
    if (channels > limits.maxChannels) return over('maxChannels', limits.maxChannels, channels, id);
    if (frames > limits.maxTransferFrames) return over('maxTransferFrames', limits.maxTransferFrames, frames, id);
    const bytes = frames * channels * 4;
    if (bytes > limits.maxTransferBytes) return over('maxTransferBytes', limits.maxTransferBytes, bytes, id);
    return undefined;
  };
  switch (m.type) {
    case 'hello':
      return m.identity && m.identity.channels > limits.maxChannels ? over('maxChannels', limits.maxChannels, m.identity.channels, id) : undefined;
    case 'identity':
      return m.identity.channels > limits.maxChannels ? over('maxChannels', limits.maxChannels, m.identity.channels, id) : undefined;
    case 'capture':
    case 'capture.request':
      return m.bars > limits.maxCaptureBars ? over('maxCaptureBars', limits.maxCaptureBars, m.bars, id) : undefined;
    case 'captured':
      return m.bars > limits.maxCaptureBars ? over('maxCaptureBars', limits.maxCaptureBars, m.bars, id) : transfer(m.frames, m.channels);
    case 'take.begin':
      return transfer(m.frames, m.channels);
    case 'play':
      return m.gain > limits.maxGain ? over('maxGain', limits.maxGain, m.gain, id) : undefined;
    default:
      return undefined;
  }
}
