/** AWS query protocol (STS, EC2): form-encoded `Action=...&Version=...` in, XML out. */
import type { AwsFault } from './fault.js';
import type { Reply } from './reply.js';

const CONTENT_TYPE = 'text/xml';
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

export function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);
}

/** `<name>escaped value</name>` */
export function textElement(name: string, value: string | number | boolean): string {
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** STS style: `<ActionResponse><ActionResult>...</ActionResult><ResponseMetadata>...`. */
export function stsReply(action: string, namespace: string, result: string, requestId: string): Reply {
  const body =
    `<${action}Response xmlns="${namespace}"><${action}Result>${result}</${action}Result>` +
    `<ResponseMetadata>${textElement('RequestId', requestId)}</ResponseMetadata></${action}Response>`;
  return { status: 200, contentType: CONTENT_TYPE, body };
}

export function stsFault(fault: AwsFault, namespace: string, requestId: string): Reply {
  const type = fault.status >= 500 ? 'Receiver' : 'Sender';
  const body =
    `<ErrorResponse xmlns="${namespace}"><Error>${textElement('Type', type)}${textElement('Code', fault.code)}` +
    `${textElement('Message', fault.message)}</Error>${textElement('RequestId', requestId)}</ErrorResponse>`;
  return { status: fault.status, contentType: CONTENT_TYPE, body };
}

/** EC2 style: no Result wrapper, `requestId` first. */
export function ec2Reply(action: string, namespace: string, result: string, requestId: string): Reply {
  const body = `<${action}Response xmlns="${namespace}">${textElement('requestId', requestId)}${result}</${action}Response>`;
  return { status: 200, contentType: CONTENT_TYPE, body };
}

export function ec2Fault(fault: AwsFault, requestId: string): Reply {
  const body =
    `<Response><Errors><Error>${textElement('Code', fault.code)}${textElement('Message', fault.message)}</Error></Errors>` +
    `${textElement('RequestID', requestId)}</Response>`;
  return { status: fault.status, contentType: CONTENT_TYPE, body };
}
