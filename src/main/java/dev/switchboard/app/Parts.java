package dev.switchboard.app;

import dev.switchboard.auth.ApiKeys;
import dev.switchboard.auth.Sessions;
import dev.switchboard.channel.GraphClient;
import dev.switchboard.common.Services;
import dev.switchboard.config.Config;
import dev.switchboard.conversation.ContactService;
import dev.switchboard.conversation.ConversationService;
import dev.switchboard.conversation.Snoozes;
import dev.switchboard.conversation.Transactions;
import dev.switchboard.media.MediaLinks;
import dev.switchboard.media.MediaStore;
import dev.switchboard.media.MediaStores;
import dev.switchboard.outbound.Outbox;
import dev.switchboard.presence.Presence;
import dev.switchboard.window.QueueTimers;
import dev.switchboard.window.WindowTimer;

/**
 * The parts one node shares between its HTTP servers and background verticles, each built once
 * from the node's handles ({@link Services}) and handed to whoever uses it: the presence counts
 * of every event loop, one media store and its S3 client, one Graph client. Every part is safe
 * to use from any event loop.
 */
final class Parts {

  final Services s;
  final Config config;
  final Transactions tx;
  final GraphClient graph;
  final Presence presence;
  final Sessions sessions;
  final ApiKeys apiKeys;
  final MediaStore media;
  final MediaLinks links;
  final WindowTimer windowTimer;
  final Snoozes snoozes;
  final QueueTimers queueTimers;
  final Outbox outbox;
  final ContactService contacts;
  final ConversationService conversations;
  /** Uploads and exports of the whole node, whichever event loop serves them. */
  final dev.switchboard.http.StreamSlots streams;

  Parts(Services s) {
    this.s = s;
    this.config = s.config();
    this.tx = new Transactions(s.vertx(), s.pool(), s.clock(), s.windows(), s.publisher());
    this.graph = new GraphClient(s.graph(), config.graph().apiUrl(), config.graph().timeoutMs());
    this.presence = new Presence(s.pool(), s.redis(), s.clock(), config.presence(), config.nodeId());
    this.sessions = Sessions.of(s.pool(), s.redis(), s.tokens(), config.auth(), s.clock());
    this.apiKeys = new ApiKeys(tx, s.redis(), config.auth().apiKeyRatePerMinute());
    this.media = MediaStores.of(s.vertx(), s.pool(), config.media());
    this.links = new MediaLinks(config.jwtSecret());
    this.windowTimer = new WindowTimer(s.redis(), s.windows(), s.events().partitions());
    this.snoozes = new Snoozes(tx);
    this.queueTimers = new QueueTimers(tx, windowTimer, snoozes, config.window().warnBefore());
    this.outbox = new Outbox(tx, config.publicUrl(), config.media().maxBytes());
    this.contacts = new ContactService(tx, s.graph(), config.graph());
    this.conversations = new ConversationService(tx, config.inbox());
    this.streams = new dev.switchboard.http.StreamSlots(s.vertx(), dev.switchboard.http.StreamSlots.totalFor(config.store().dbPoolSize()),
        config.store().streams().perAccount(), config.store().streams().waitMs());
    // a node started without metrics (the embedded tools, start-up checks) has no registry
    if (s.metrics() != null) {
      io.micrometer.core.instrument.Gauge.builder("switchboard_streams_in_use", streams, dev.switchboard.http.StreamSlots::inUse)
          .description("uploads and exports holding a database connection on this node").register(s.metrics());
    }
  }
}
