import { Module } from '@nestjs/common';
import { CustomNamespaceGateway, MainNamespaceGateway } from './protocol-test.gateways.js';

@Module({ providers: [MainNamespaceGateway, CustomNamespaceGateway] })
export class ProtocolTestModule {}
