import type { Connection } from 'pg';

const COPY_DATA = 0x64; // 'd'
const COPY_DONE = Buffer.from([0x63, 0, 0, 0, 4]); // 'c', length 4

/**
 * A simple query (several statements) with one `COPY ... FROM STDIN`, written to the server
 * together with the COPY's data (a node-postgres submittable): one round trip, where
 * pg-copy-streams waits for the server's CopyInResponse before sending the data and a statement
 * after the COPY needs another query. The server reads the messages in order; if a statement
 * fails, it skips the rest of the query and drops the data (stray CopyData is ignored, as the
 * protocol says). Statements other than the COPY must return no rows.
 *
 * `done` resolves once the server has run the whole query; it rejects with the first error.
 */
export class CopyWithRowsQuery {
  readonly done: Promise<void>;
  private settle!: { resolve: () => void; reject: (err: Error) => void };

  constructor(
    private readonly text: string,
    private readonly data: Buffer,
  ) {
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

  handleReadyForQuery(): void {
    this.settle.resolve();
  }

  /** node-postgres then forgets this query (no ReadyForQuery comes to it). */
  handleError(err: Error): void {
    this.settle.reject(err);
  }

  // The other messages of the exchange carry nothing needed here.
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleCommandComplete(): void {}
  handleCopyInResponse(): void {}
  handleEmptyQuery(): void {}
}
