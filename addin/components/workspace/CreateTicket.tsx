import { Button, Field, Input, MessageBar, MessageBarBody, Spinner, makeStyles, tokens } from '@fluentui/react-components';
import { useEffect, useState, type FormEvent } from 'react';
import { useIntl } from 'react-intl';
import { ApiError } from '../../api/client';
import type { NoTicketReason, TicketDetail } from '../../api/types';
import type { MailItem } from '../../office/types';
import type { PaneServices } from '../../services';
import { creationPlan } from '../../state/create-ticket';

/**
 * "Create ticket" for an email without one. Where the server can read the email (its mailbox is linked) one
 * click is enough; where it cannot, the click opens a form: the pane copies the email from Outlook and the
 * agent names the linked mailbox that will answer: an address field offering the active linked mailboxes
 * (prefilled when there is only one).
 */
export interface CreateTicketProps {
  services: Pick<PaneServices, 'api' | 'messageContent'>;
  item: MailItem;
  reason: NoTicketReason;
  onCreated(ticket: TicketDetail): void;
}

const useStyles = makeStyles({ form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS, alignItems: 'flex-start' } });

export function CreateTicket({ services, item, reason, onCreated }: CreateTicketProps) {
  const styles = useStyles();
  const intl = useIntl();
  const [askMailbox, setAskMailbox] = useState(false);
  const [replyMailbox, setReplyMailbox] = useState('');
  const [known, setKnown] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);

  useEffect(() => {
    if (!askMailbox) return;
    let gone = false;
    // Without the list (an old server, a network error) the field stays free text.
    services.api.linkedMailboxes().then(
      (list) => {
        if (gone) return;
        const active = list.filter((m) => m.state === 'active').map((m) => m.address);
        setKnown(active);
        if (active.length === 1) setReplyMailbox((typed) => typed || active[0]!);
      },
      () => undefined,
    );
    return () => {
      gone = true;
    };
  }, [askMailbox, services.api]);

  const create = async (copy: boolean) => {
    setBusy(true);
    setError(null);
    try {
      const base = { internetMessageId: item.internetMessageId, ...(item.mailbox ? { mailbox: item.mailbox } : {}) };
      const request = copy ? { ...base, replyMailbox: replyMailbox.trim(), message: toMessage(await services.messageContent(), item) } : base;
      onCreated((await services.api.createFromMessage(request)).ticket);
    } catch (e) {
      const code = e instanceof ApiError ? e.code : ((e as { code?: unknown })?.code?.toString() ?? 'unexpected');
      // The server could not read the email itself: copy it from Outlook instead, with a mailbox to answer from.
      if (!copy && (code === 'reply_mailbox_required' || code === 'message_not_found')) setAskMailbox(true);
      else setError({ code, message: e instanceof Error ? e.message : String(e) });
    } finally {
      setBusy(false);
    }
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (replyMailbox.trim()) void create(true);
  };

  return (
    <div className={styles.form}>
      {!askMailbox ? (
        <Button
          appearance="primary"
          disabled={busy}
          onClick={() => (creationPlan(reason) === 'copy_from_outlook' ? setAskMailbox(true) : void create(false))}
          data-testid="create-ticket"
        >
          {intl.formatMessage({ id: 'create.button' })}
        </Button>
      ) : (
        <form className={styles.form} onSubmit={submit}>
          <Field label={intl.formatMessage({ id: 'create.mailbox' })} hint={intl.formatMessage({ id: 'create.mailboxHint' })} required>
            <Input type="email" list="linked-mailboxes" value={replyMailbox} onChange={(_, d) => setReplyMailbox(d.value)} data-testid="create-ticket-mailbox" />
          </Field>
          <datalist id="linked-mailboxes">
            {known.map((address) => (
              <option key={address} value={address} />
            ))}
          </datalist>
          <Button appearance="primary" type="submit" disabled={busy || !replyMailbox.trim()} data-testid="create-ticket-submit">
            {intl.formatMessage({ id: 'create.submit' })}
          </Button>
        </form>
      )}
      {busy && <Spinner size="tiny" label={intl.formatMessage({ id: 'create.creating' })} />}
      {error && (
        <MessageBar intent="error" role="alert" data-testid="action-error" data-code={error.code}>
          <MessageBarBody>{intl.formatMessage({ id: 'create.failed' }, error)}</MessageBarBody>
        </MessageBar>
      )}
    </div>
  );
}

function toMessage(content: Awaited<ReturnType<PaneServices['messageContent']>>, item: MailItem) {
  const from = content.from ?? (item.from ? { email: item.from.address, name: item.from.name } : { email: '' });
  return {
    subject: content.subject,
    from,
    ...(content.receivedAt ? { receivedAt: content.receivedAt } : {}),
    bodyText: content.bodyText,
    ...(content.bodyHtml ? { bodyHtml: content.bodyHtml } : {}),
    ...(content.ccs.length ? { ccs: content.ccs } : {}),
    ...(content.attachments.length ? { attachments: content.attachments } : {}),
  };
}

export default CreateTicket;
