package dev.switchboard.ingress;

import dev.switchboard.channel.WebhookParsers;
import dev.switchboard.support.Await;
import dev.switchboard.support.Fixtures;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Seed;
import dev.switchboard.support.Webhooks;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * JSON may carry {@code \u0000}; PostgreSQL's text and jsonb may not. A delivery with one such
 * string used to fail its raw row whole, and Meta, which already had its 200, never sent the
 * innocent messages beside it again.
 */
@DisplayName("A NUL in one message neither loses it nor its neighbours")
class RefusedCharactersTest {

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().account("Nul").build();

  @Test
  @DisplayName("a batch whose first text and contact name hold NUL: every message is stored, NUL shown as U+FFFD, and counted")
  void nulBecomesReplacementCharacter() {
    Seed.channel(env.db(), env.account().accountId(), "whatsapp", Webhooks.WA_PHONE_NUMBER_ID);
    JsonObject body = Fixtures.json("whatsapp_batch_2entries_3messages.json");
    JsonObject value = body.getJsonArray("entry").getJsonObject(0).getJsonArray("changes").getJsonObject(0).getJsonObject("value");
    String first = "wamid.nul-" + UUID.randomUUID();
    String second = "wamid.ok-" + UUID.randomUUID();
    value.getJsonArray("messages").getJsonObject(0).put("id", first).getJsonObject("text").put("body", "bad\0text");
    value.getJsonArray("messages").getJsonObject(1).put("id", second);
    value.getJsonArray("contacts").getJsonObject(0).getJsonObject("profile").put("name", "Null\0Name");
    assertThat(body.encode()).contains("\\u0000");
    long before = WebhookParsers.REPLACED.get();

    Webhooks.post(env.http(), "whatsapp", body);

    Await.until("both messages of the first entry are stored", Duration.ofSeconds(20), () ->
        Seed.scalar(env.db(), "SELECT count(*) FROM messages WHERE external_id IN (?, ?)", first, second) == 2);
    assertThat(Seed.strings(env.db(), "SELECT text FROM messages WHERE external_id = ?", first)).containsExactly("bad\uFFFDtext");
    assertThat(Seed.strings(env.db(), "SELECT status FROM raw_events")).doesNotContain("failed");
    assertThat(Seed.scalar(env.db(), "SELECT count(*) FROM contacts WHERE display_name = ? OR platform_name = ?",
        "Null\uFFFDName", "Null\uFFFDName")).isEqualTo(1);
    assertThat(WebhookParsers.REPLACED.get() - before).isGreaterThanOrEqualTo(2);
    assertThat(env.http().metrics().text()).contains("switchboard_inbound_replaced_chars_total");
  }
}
