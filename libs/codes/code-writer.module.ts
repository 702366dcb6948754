import { Global, Module } from '@nestjs/common';
import { CodeChangeApplier } from './code-change-applier.service.js';
import { CodeWriter } from './code-writer.service.js';

@Global()
@Module({ providers: [CodeWriter, CodeChangeApplier], exports: [CodeWriter, CodeChangeApplier] })
export class CodeWriterModule {}
