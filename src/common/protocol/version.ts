// Protocol version constants and the negotiation rule (docs/protocol.md 3.1).

export const PROTOCOL_MAJOR = 1;
/** 1: `capture.request` (a plugin asks the host to capture bars it has heard). */
export const PROTOCOL_MINOR = 1;

export interface ProtocolVersion {
  readonly major: number;
  readonly minor: number;
}

export const PROTOCOL_VERSION: ProtocolVersion = Object.freeze({ major: PROTOCOL_MAJOR, minor: PROTOCOL_MINOR });

/** The version both sides use, or undefined when the majors differ (PROTO_UNSUPPORTED_VERSION). */
export function negotiateVersion(client: ProtocolVersion, host: ProtocolVersion = PROTOCOL_VERSION): ProtocolVersion | undefined {
  if (client.major !== host.major) return undefined;
  return { major: host.major, minor: Math.min(client.minor, host.minor) };
}

/** WebSocket close codes used by the protocol (docs/protocol.md 3.3). */
export const CLOSE_CODES = Object.freeze({
  normal: 1000,
  goingAway: 1001,
  policyViolation: 1008,
  messageTooBig: 1009,
  internalError: 1011,
  badHello: 4400,
  unsupportedVersion: 4406,
  helloTimeout: 4408,
});
