package dev.switchboard.scale;

import dev.switchboard.support.Await;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestDb;
import dev.switchboard.support.TestNode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Auto-assignment exactly once across nodes and crashes: two node processes share a burst of new
 * conversations; one of them is killed with SIGKILL inside a round that has written its
 * assignments, history rows and events but not committed (FAULT_POINT assign-before-commit), while
 * the other waits for that round's account lock. The survivor assigns everything, each
 * conversation once, one {@code system} history row each, nobody over capacity.
 */
@DisplayName("Auto-assignment across two node processes, one killed with SIGKILL mid-round: each conversation assigned exactly once")
class AssignCrashIT {

  static final String FAULT = "assign-before-commit";
  static final int AGENTS = 10;
  static final int CAPACITY = 30;
  // exactly the agents' total capacity: a conversation counted or assigned twice leaves another unassigned or an agent over
  static final int CONVERSATIONS = AGENTS * CAPACITY;

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().withoutNode().account("Crash Assign").build();

  static NodeProcess node(String name, String faultPoint) {
    Map<String, String> settings = new HashMap<>(Map.of("ASSIGN_POLL_MS", "50", "ASSIGN_BATCH", "20",
        // long: only wakes and fresh rows are tried, so the survivor's work is the dead round's rows coming free
        "ASSIGN_RETRY_MS", "600000"));
    if (faultPoint != null) {
      settings.put("FAULT_POINT", faultPoint);
    }
    NodeProcess p = env.open(NodeProcess.start(name, env.db(), TestNode.REDIS_URL, env.redisPrefix(), settings));
    p.awaitReady(Duration.ofSeconds(90));
    return p;
  }

  @Test
  @DisplayName("SIGKILL inside an assignment round: the other node assigns every conversation once, one system history row each, none over capacity")
  void killedMidRound() {
    TestDb db = env.db();
    long account = env.account().accountId();
    Seed.exec(db, "UPDATE users SET availability = 'away' WHERE account_id = ?", account);
    Seed.exec(db, "INSERT INTO users (account_id, name, email, password_hash, role) "
        + "SELECT ?, 'Agent ' || g, 'agent' || g || '@crash-assign.test', 'x', 'agent' FROM generate_series(1, ?) g", account, AGENTS);
    long channel = Seed.channel(db, account, "whatsapp", "crash-assign");
    Seed.exec(db, "INSERT INTO contacts (account_id, channel_id, platform_user_id) SELECT ?, ?, 'c' || g FROM generate_series(1, ?) g",
        account, channel, CONVERSATIONS);

    NodeProcess doomed = node("assign-doomed", FAULT);
    NodeProcess survivor = node("assign-survivor", null);
    Seed.exec(db, "UPDATE accounts SET auto_assign = '{\"mode\": \"round_robin\", \"capacity\": " + CAPACITY
        + ", \"onlyAvailable\": false}' WHERE id = ?", account);
    // the burst: every conversation Open at once, queued by the trigger in the same statement
    Seed.exec(db, "INSERT INTO conversations (account_id, channel_id, contact_id, status) "
        + "SELECT account_id, channel_id, id, 'open' FROM contacts WHERE channel_id = ?", channel);

    doomed.awaitOutput("FAULT POINT " + FAULT + " reached", Duration.ofSeconds(60));
    // the doomed round holds its claimed rows and the account's lock: its rows are still queued, and locked
    long queued = Seed.scalar(db, "SELECT count(*) FROM assign_queue WHERE account_id = ?", account);
    long free = Seed.scalar(db, "SELECT count(*) FROM (SELECT 1 FROM assign_queue WHERE account_id = ? FOR UPDATE SKIP LOCKED) f", account);
    assertThat(queued - free).as("rows held by the open round; node output:\n%s", doomed.tail()).isPositive();
    doomed.kill();

    Await.until("every conversation assigned", Duration.ofSeconds(60), () ->
        Seed.scalar(db, "SELECT count(*) FROM conversations WHERE account_id = ? AND assignee_type = 'agent'", account) == CONVERSATIONS
            && Seed.scalar(db, "SELECT count(*) FROM assign_queue WHERE account_id = ?", account) == 0);

    assertThat(Seed.scalar(db, "SELECT count(*) FROM conversation_history WHERE account_id = ? AND actor_type = 'system'", account))
        .as("one system assignment per conversation; survivor's log:\n%s", survivor.tail()).isEqualTo(CONVERSATIONS);
    assertThat(Seed.scalar(db, "SELECT count(DISTINCT conversation_id) FROM conversation_history WHERE account_id = ? AND actor_type = 'system'", account))
        .isEqualTo(CONVERSATIONS);
    assertThat(Seed.scalar(db, "SELECT count(*) FROM conversation_history h JOIN conversations c ON c.id = h.conversation_id "
        + "WHERE h.account_id = ? AND h.actor_type = 'system' AND h.to_assignee_id IS DISTINCT FROM c.assignee_id", account))
        .as("each history row names the agent the conversation has").isZero();
    List<String> loads = Seed.strings(db, "SELECT count(*)::text FROM conversations WHERE account_id = ? AND assignee_type = 'agent' "
        + "GROUP BY assignee_id", account);
    assertThat(loads).as("every agent exactly at capacity, none over").hasSize(AGENTS).allMatch(n -> n.equals(String.valueOf(CAPACITY)));
    // the dead round's events died with it: one conversation.updated per assignment, none for a rolled-back one
    assertThat(Seed.scalar(db, "SELECT count(*) FROM event_outbox WHERE account_id = ? AND body LIKE '{\"type\":\"conversation.updated\"%'", account))
        .isEqualTo(CONVERSATIONS);
  }

}
