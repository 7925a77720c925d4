import type Database from 'better-sqlite3';

/** One connection's prepared statements: each SQL text is compiled once. */
export class Statements {
  readonly db: Database.Database;
  private readonly cache = new Map<string, Database.Statement>();

  constructor(db: Database.Database) {
    this.db = db;
  }

  sql<P extends unknown[] | object = unknown[], R = unknown>(source: string): Database.Statement<P, R> {
    let statement = this.cache.get(source);
    if (statement === undefined) {
      statement = this.db.prepare(source);
      this.cache.set(source, statement);
    }
    return statement as unknown as Database.Statement<P, R>;
  }
}
