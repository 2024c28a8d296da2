import { Module, type DynamicModule } from '@nestjs/common';
import { CHAT_OPTIONS, type ChatOptions } from './chat-options.js';
import { ChatGateway } from './chat.gateway.js';

@Module({})
export class ChatModule {
  static forRoot(options: ChatOptions): DynamicModule {
    return {
      module: ChatModule,
      providers: [{ provide: CHAT_OPTIONS, useValue: options }, ChatGateway],
    };
  }
}
