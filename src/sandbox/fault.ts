/** An error answer of an AWS service: the wire code, the message, the HTTP status. */
export class AwsFault extends Error {
  readonly code: string;
  readonly status: number;

  constructor(code: string, message: string, status = 400) {
    super(message);
    this.name = 'AwsFault';
    this.code = code;
    this.status = status;
  }
}
