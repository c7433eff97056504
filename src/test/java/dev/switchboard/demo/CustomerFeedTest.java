package dev.switchboard.demo;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

class CustomerFeedTest {

  static JsonObject entry(String id) {
    return new JsonObject().put("id", id).put("platform", "whatsapp").put("customerId", "1555").put("at", "2026-01-01T00:00:00Z");
  }

  @Test
  void aPollerFollowingTheCursorSeesEveryChangeMadeConcurrently() throws Exception {
    CustomerFeed feed = new CustomerFeed();
    int writers = 4;
    int each = 500;
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int w = 0; w < writers; w++) {
      int writer = w;
      Thread t = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < each; i++) {
          feed.record(entry(writer + "-" + i));
          feed.update(writer + "-" + i, new JsonObject().put("status", "accepted"));
        }
      });
      t.start();
      threads.add(t);
    }
    Set<String> accepted = new HashSet<>();
    AtomicBoolean done = new AtomicBoolean();
    long cursor = 0;
    start.countDown();
    while (!done.get()) {
      done.set(threads.stream().noneMatch(Thread::isAlive));
      JsonObject page = feed.feed(cursor, Integer.MAX_VALUE);
      page.getJsonArray("items").forEach(o -> {
        JsonObject e = (JsonObject) o;
        if ("accepted".equals(e.getString("status"))) {
          accepted.add(e.getString("id"));
        }
      });
      cursor = page.getLong("cursor");
    }
    // each entry's last change (its acceptance) reached the poller, none was skipped by the cursor
    assertThat(accepted).hasSize(writers * each);
    assertThat(cursor).isEqualTo(2L * writers * each);
  }

  @Test
  void customersKeepTheirFirstPlaceAndTheStateSurvivesARestart(@TempDir Path dir) {
    CustomerFeed feed = new CustomerFeed();
    feed.add(new Simulator.Customer("whatsapp", "1", "a", "Ann"));
    feed.known("messenger", "2", "b");
    feed.known("whatsapp", "1", "a");
    feed.add(new Simulator.Customer("whatsapp", "1", "a", "Ann B"));
    feed.record(entry("m1"));
    assertThat(feed.customers()).extracting(Simulator.Customer::name).containsExactly("Ann B", "b");

    Path file = dir.resolve("simulator.json");
    feed.save(file);
    CustomerFeed again = new CustomerFeed();
    again.load(file);
    assertThat(again.customers()).isEqualTo(feed.customers());
    assertThat(again.entry("m1").getLong("seq")).isEqualTo(1L);
    assertThat(again.record(entry("m2")).getLong("seq")).isEqualTo(2L);
  }

  @Test
  void theFeedKeepsTheLatestEntries() {
    CustomerFeed feed = new CustomerFeed();
    for (int i = 0; i < CustomerFeed.MAX_ENTRIES + 10; i++) {
      feed.record(entry("m" + i));
    }
    assertThat(feed.entry("m9")).isNull();
    assertThat(feed.entry("m10")).isNotNull();
    assertThat(feed.feed(0, Integer.MAX_VALUE).getJsonArray("items")).hasSize(CustomerFeed.MAX_ENTRIES);
  }
}
