import { Button, MessageBar, MessageBarBody, Text, makeStyles, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import { useIntl } from 'react-intl';
import { ApiError } from '../../api/client';
import type { AttachmentView, Comment } from '../../api/types';
import type { PaneServices } from '../../services';
import { loadOrder, saveOrder, sortComments, type ConversationOrder } from '../../state/conversation-order';
import { CommentItem } from './CommentItem';

/** The ticket's messages in the agent's chosen order (remembered), with the switch and the downloads. */
export interface ConversationProps {
  services: Pick<PaneServices, 'api' | 'storage' | 'saveFile'>;
  ticketId: number;
  comments: Comment[];
}

const useStyles = makeStyles({
  head: { display: 'flex', justifyContent: 'space-between', alignItems: 'center', gap: tokens.spacingHorizontalS },
  list: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS, margin: 0, padding: 0, listStyleType: 'none' },
});

export function Conversation({ services, ticketId, comments }: ConversationProps) {
  const styles = useStyles();
  const intl = useIntl();
  const [order, setOrder] = useState<ConversationOrder>(() => loadOrder(services.storage));
  const [failed, setFailed] = useState<string | null>(null);
  const onOrder = (next: ConversationOrder) => {
    setOrder(next);
    saveOrder(services.storage, next);
  };
  const onDownload = async (a: AttachmentView) => {
    setFailed(null);
    try {
      services.saveFile(await services.api.attachment(ticketId, a.id), a.filename);
    } catch (error) {
      setFailed(error instanceof ApiError ? error.code : 'unexpected');
    }
  };
  const current = intl.formatMessage({ id: order === 'newest' ? 'conversation.newestFirst' : 'conversation.oldestFirst' });
  return (
    <section aria-labelledby="conversation-title" data-testid="conversation" data-order={order}>
      <div className={styles.head}>
        <Text as="h3" id="conversation-title" size={300} weight="semibold">
          {intl.formatMessage({ id: 'conversation.title' })}
        </Text>
        <Button
          size="small"
          appearance="subtle"
          onClick={() => onOrder(order === 'newest' ? 'oldest' : 'newest')}
          aria-label={intl.formatMessage({ id: 'conversation.orderToggle' }, { order: current })}
          data-testid="conversation-order"
        >
          {current}
        </Button>
      </div>
      {failed && (
        <MessageBar intent="error" role="alert" data-testid="action-error" data-code={failed}>
          <MessageBarBody>{intl.formatMessage({ id: 'conversation.downloadFailed' }, { code: failed })}</MessageBarBody>
        </MessageBar>
      )}
      {comments.length === 0 ? (
        <Text>{intl.formatMessage({ id: 'conversation.empty' })}</Text>
      ) : (
        <ol className={styles.list}>
          {sortComments(comments, order).map((c) => (
            <CommentItem key={c.id} comment={c} onDownload={(a) => void onDownload(a)} />
          ))}
        </ol>
      )}
    </section>
  );
}
