import { Inject, Logger, type OnModuleInit } from '@nestjs/common';
import { ChatService } from '@app/chat';
import { ClusterView } from '@app/cluster';

/**
 * Tells the chat when a node leaves the cluster, so its users leave every room,
 * and who the members are, so reconciliation removes what departed nodes left.
 */
export class ChatClusterBridge implements OnModuleInit {
  private readonly logger = new Logger('Chat');

  constructor(
    @Inject(ClusterView) private readonly cluster: ClusterView,
    @Inject(ChatService) private readonly chat: ChatService,
  ) {}

  onModuleInit(): void {
    this.chat.watchNodes(() => this.cluster.members().keys());
    this.cluster.on('change', (change) => {
      for (const member of change.left) {
        this.chat.onNodeGone(member.id).catch((error: Error) => {
          this.logger.warn(`could not clear the presence of ${member.id}: ${error.message}`);
        });
      }
    });
  }
}
