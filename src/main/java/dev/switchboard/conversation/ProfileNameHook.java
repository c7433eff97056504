package dev.switchboard.conversation;

import dev.switchboard.common.InboundHooks;
import dev.switchboard.common.Inbound;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Messenger and Instagram webhooks carry no name: when a customer writes for the first time,
 * ask the platform's profile API once (after the message is durable), so agents see a name
 * instead of a bare PSID. WhatsApp names arrive with every message. A failed lookup changes
 * nothing; agents can still press "refresh name".
 */
public final class ProfileNameHook implements InboundHooks.Hook {

  private static final Logger LOG = LoggerFactory.getLogger(ProfileNameHook.class);

  private final ContactService contacts;

  public ProfileNameHook(ContactService contacts) {
    this.contacts = contacts;
  }

  @Override
  public void afterCommit(List<Inbound> created) {
    for (Inbound m : created) {
      if (m.firstMessage() && ("messenger".equals(m.platform()) || "instagram".equals(m.platform()))) {
        contacts.refreshName(m.accountId(), m.contactId())
            .onFailure(err -> LOG.info("profile lookup for contact {} failed: {}", m.contactId(), err.getMessage()));
      }
    }
  }
}
