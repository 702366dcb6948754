import { Global, Module } from '@nestjs/common';
import { CodeChangeApplier } from './code-change-applier.service.js';
import { CodeReader } from './code-reader.service.js';
import { CodeWriter } from './code-writer.service.js';
import { TokenRevoker } from './token-revoker.service.js';

const providers = [CodeWriter, CodeChangeApplier, CodeReader, TokenRevoker];

/** Everything that reads or writes a person's entry in Postgres and the read model together. */
@Global()
@Module({ providers, exports: providers })
export class CodeWriterModule {}
