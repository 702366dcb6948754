import type { Connection } from 'pg';

const COPY_DATA = 0x64; // 'd'
const COPY_DONE = Buffer.from([0x63, 0, 0, 0, 4]); // 'c', length 4

/**
 * A simple query ending in `COPY ... FROM STDIN`, written to the server together with its data
 * (a node-postgres submittable): one round trip where pg-copy-streams takes two, and the server
 * never waits for this process to answer its CopyInResponse (the app's event loop may be busy
 * with requests right then). The server reads the messages in order; if a statement fails, it
 * drops the data that follows (the protocol says stray CopyData is ignored).
 *
 * `done` resolves with the first column of the rows the statements before the COPY returned, as
 * text, once the server is ready again; it rejects with the first error.
 */
export class CopyWithRowsQuery {
  readonly done: Promise<string[]>;
  private readonly rows: string[] = [];
  private settle!: { resolve: (rows: string[]) => void; reject: (err: Error) => void };

  constructor(private readonly text: string, private readonly data: Buffer) {
    this.done = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
  }

  submit(connection: Connection): void {
    connection.query(this.text);
    const header = Buffer.allocUnsafe(5);
    header[0] = COPY_DATA;
    header.writeUInt32BE(this.data.length + 4, 1);
    const stream = (connection as unknown as { stream: NodeJS.WritableStream }).stream;
    stream.write(Buffer.concat([header, this.data, COPY_DONE]));
  }

  handleDataRow(msg: { fields: (string | null)[] }): void {
    this.rows.push(msg.fields[0] ?? '');
  }

  handleReadyForQuery(): void {
    this.settle.resolve(this.rows);
  }

  /** node-postgres then forgets this query (no ReadyForQuery comes to it). */
  handleError(err: Error): void {
    this.settle.reject(err);
  }

  // The other messages of the exchange carry nothing needed here.
  handleRowDescription(): void {}
  handleCommandComplete(): void {}
  handleCopyInResponse(): void {}
  handleEmptyQuery(): void {}
}
